import type { Pool } from '../db/pool.ts'
import type { Metrics } from './registry.ts'

// Values read when Prometheus scrapes, not kept up to date on any hot path.

/** Connections in use, idle, and queries waiting for one (pg's Pool counts). */
export function collectPool (metrics: Metrics, pool: Pool): () => void {
  return metrics.onScrape(() => {
    metrics.poolInUse.set(pool.totalCount - pool.idleCount)
    metrics.poolIdle.set(pool.idleCount)
    metrics.poolWaiting.set(pool.waitingCount)
  })
}

/** The count is capped so that a scrape during a huge backlog stays cheap; the gauge then reads the cap. */
export const OUTBOX_COUNT_CAP = 1_000_000

/**
 * The outbox's backlog, by one query: every row at or below the relay's position is published (src/outbox/position.ts),
 * so both read the primary key above it only, a range about one relay turn long when the relay keeps up. Closed
 * above by the newest id, as in relay.ts, so that the planner's guess stays small: for an open range it guesses a
 * third of the table, and a huge outbox's scrape went parallel (BENCHMARKS.md, "The outbox's position").
 */
export function collectOutbox (metrics: Metrics, pool: Pool): () => void {
  return metrics.onScrape(async () => {
    // Unknown (the database away) reads NaN, never a reassuring 0.
    metrics.outboxPending.set(NaN)
    metrics.outboxOldestAge.set(NaN)
    // query_timeout per query: pg reads it (node_modules/pg/lib/client.js), its types list it for the client only.
    const query = {
      name: 'metrics-outbox',
      text: `WITH waiting AS NOT MATERIALIZED (
               SELECT id, created_at FROM outbox
                WHERE id > (SELECT published_through FROM outbox_relay) AND id <= (SELECT max(id) FROM outbox) AND published_at IS NULL)
             SELECT (SELECT count(*) FROM (SELECT 1 FROM waiting LIMIT ${OUTBOX_COUNT_CAP}) u)::int AS pending,
                    coalesce(extract(epoch FROM now() - (SELECT created_at FROM waiting ORDER BY id LIMIT 1)), 0)::float8 AS age`,
      query_timeout: 2000
    }
    const { rows: [row] } = await pool.query<{ pending: number, age: number }>(query)
    metrics.outboxPending.set(row.pending)
    metrics.outboxOldestAge.set(Math.max(0, row.age))
  })
}
