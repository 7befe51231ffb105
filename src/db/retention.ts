import type { Logger } from 'pino'
import { repeat, type Loop } from '../timing.ts'
import type { Queryable } from './pool.ts'

// Tables that would otherwise grow forever, and when a row of each may go. Each sweep deletes in batches of
// `batch` rows, one short transaction each, so it never holds many locks or a long snapshot; SKIP LOCKED
// lets several replicas sweep at once, each deleting rows the others are not (each row goes once).

export interface RetentionPolicy {
  outboxRetentionMs: number
  processedEventsRetentionMs: number
  loginFailuresRetentionMs: number
}

type Table = 'outbox' | 'processed_events' | 'sessions' | 'login_failures'

/** For each table: the rows that may go, given $1 = the retention in ms, in the order an index gives (006_retention.sql). */
const OLD: Record<Table, { where: string, order: string, keepMs: (p: RetentionPolicy) => number }> = {
  // Published only: an unpublished row is an event still on its way, however old. The outbox has no index on a
  // time: the primary key up to the first id written after the cutoff (outbox_first_id_since(), a bisection,
  // computed once per statement), 100_outbox_high_water.sql.
  outbox: {
    where: 'id < outbox_first_id_since(now() - make_interval(secs => $1 / 1000.0)) AND published_at < now() - make_interval(secs => $1 / 1000.0)',
    order: 'id',
    keepMs: p => p.outboxRetentionMs
  },
  // Kept as long as Kafka may deliver the event again (the config checks it against KAFKA_TOPIC_RETENTION).
  processed_events: { where: 'processed_at < now() - make_interval(secs => $1 / 1000.0)', order: 'processed_at', keepMs: p => p.processedEventsRetentionMs },
  // An expired session signs nobody in any more.
  sessions: { where: 'expires_at < now() - make_interval(secs => $1 / 1000.0)', order: 'expires_at', keepMs: () => 0 },
  login_failures: { where: 'failed_at < now() - make_interval(secs => $1 / 1000.0)', order: 'failed_at', keepMs: p => p.loginFailuresRetentionMs }
}

/** Deletes the table's old rows, `batch` per statement, until a statement finds fewer. Returns how many it deleted. */
export async function sweepTable (db: Queryable, table: Table, policy: RetentionPolicy, batch = 1000): Promise<number> {
  const { where, order, keepMs } = OLD[table]
  // ctid: login_failures has no key; the rows are locked by the subquery, so their ctids hold until the DELETE.
  const sql = `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM ${table} WHERE ${where} ORDER BY ${order} LIMIT $2 FOR UPDATE SKIP LOCKED))`
  let deleted = 0
  for (;;) {
    const { rowCount } = await db.query(sql, [keepMs(policy), batch])
    deleted += rowCount ?? 0
    if ((rowCount ?? 0) < batch) return deleted
  }
}

/** One sweep of every table; returns the rows deleted per table. */
export async function sweepRetention (db: Queryable, policy: RetentionPolicy, batch = 1000): Promise<Record<Table, number>> {
  const deleted = {} as Record<Table, number>
  for (const table of Object.keys(OLD) as Table[]) deleted[table] = await sweepTable(db, table, policy, batch)
  return deleted
}

/** Runs sweepRetention every intervalMs, in the processes that run the expiry sweeper. */
export function startRetentionSweeper (opts: { pool: Queryable, policy: RetentionPolicy, intervalMs: number, log: Logger }): Loop {
  return repeat(async () => {
    const deleted = await sweepRetention(opts.pool, opts.policy)
    if (Object.values(deleted).some(n => n > 0)) opts.log.info({ deleted }, 'retention: old rows deleted')
    return opts.intervalMs
  }, (err, retryInMs) => opts.log.warn({ err: err.message, retryInMs }, 'retention sweep failed, will retry'), 1000, 60_000)
}
