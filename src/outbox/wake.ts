import type { Pool } from '../db/pool.ts'

/** The channel the relay LISTENs on; a NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = 'hostly_outbox'

const nudging = new WeakSet<Pool>()

/**
 * Wakes the relay after a commit that added outbox rows. The calls of a millisecond share one NOTIFY, sent
 * outside any transaction: a NOTIFY inside one takes a cluster-wide lock until commit, which made booking
 * commits queue one behind another. A NOTIFY that never goes out (a crash) costs only latency: the relay
 * also polls.
 */
export function wakeRelay (pool: Pool): void {
  if (nudging.has(pool)) return
  nudging.add(pool)
  setTimeout(() => {
    nudging.delete(pool)
    pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`).catch(() => {})
  }, 1)
}
