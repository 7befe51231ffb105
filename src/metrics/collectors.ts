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
 * The outbox's backlog, by one query on its partial index outbox_unpublished_idx (published_at IS NULL):
 * the count reads the unpublished rows' index entries only (at most the cap), and the oldest is the first by id.
 */
export function collectOutbox (metrics: Metrics, pool: Pool): () => void {
  return metrics.onScrape(async () => {
    // Unknown (the database away) reads NaN, never a reassuring 0.
    metrics.outboxPending.set(NaN)
    metrics.outboxOldestAge.set(NaN)
    // query_timeout per query: pg reads it (node_modules/pg/lib/client.js), its types list it for the client only.
    const query = {
      name: 'metrics-outbox',
      text: `SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT ${OUTBOX_COUNT_CAP}) u)::int AS pending,
                    coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1)), 0)::float8 AS age`,
      query_timeout: 2000
    }
    const { rows: [row] } = await pool.query<{ pending: number, age: number }>(query)
    metrics.outboxPending.set(row.pending)
    metrics.outboxOldestAge.set(Math.max(0, row.age))
  })
}
