import type { Logger } from 'pino'
import { transaction, type Pool } from '../db/pool.ts'
import { recordStatusChanges, wakeRelay } from '../outbox/writer.ts'
import { repeat, type Loop } from '../timing.ts'

const BATCH = 200

/**
 * Cancels up to BATCH pending requests older than ttlMs, each with its booking-status-updated event, in one
 * transaction. SKIP LOCKED lets several sweepers (several processes) share the work without waiting on each
 * other or on an owner who is accepting one of them right now; the status check in UPDATE makes each
 * cancellation happen once. Returns how many it cancelled.
 */
export async function expirePendingBookings (pool: Pool, ttlMs: number): Promise<number> {
  return transaction(pool, async tx => {
    const { rows } = await tx.query(
      `UPDATE bookings SET status = 'cancelled', updated_at = now()
        WHERE id IN (SELECT id FROM bookings
                      WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0)
                      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
          AND status = 'pending'
        RETURNING id`, [ttlMs, BATCH])
    await recordStatusChanges(tx, rows.map(r => r.id).sort((a, b) => a - b))
    return rows.length
  })
}

/** Runs expirePendingBookings every intervalMs (at once again while a batch comes back full). */
export function startExpirySweeper (opts: { pool: Pool, ttlMs: number, intervalMs: number, log: Logger }): Loop {
  return repeat(async () => {
    const expired = await expirePendingBookings(opts.pool, opts.ttlMs)
    if (expired > 0) {
      wakeRelay(opts.pool)
      opts.log.info({ expired }, 'expired pending booking requests')
    }
    return expired < BATCH ? opts.intervalMs : 0
  }, (err, retryInMs) => opts.log.warn({ err: err.message, retryInMs }, 'booking expiry failed, will retry'), 500, 30_000)
}
