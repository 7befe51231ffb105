import type { Logger } from 'pino'
import type { Pool } from '../db/pool.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { repeat, type Loop } from '../timing.ts'
import { TOPICS } from './events.ts'

const BATCH = 200

/**
 * Cancels up to BATCH pending requests older than ttlMs, each with its booking-status-updated event (reason
 * expired), in one transaction: expire_bookings() in booking.sql, which several sweepers may run at once.
 * Returns how many it cancelled.
 */
export async function expirePendingBookings (pool: Pool, ttlMs: number): Promise<number> {
  const { rows: [{ expired }] } = await pool.query({
    name: 'expire-bookings',
    text: 'SELECT expire_bookings(make_interval(secs => $1 / 1000.0), $2, $3) AS expired',
    values: [ttlMs, BATCH, TOPICS.statusUpdated]
  })
  return expired
}

/**
 * Another feature's bounded sweep the same loop runs after the expiry (the assembly passes them: the reviews whose
 * window has closed). `run` does one batch of at most `batch` rows, writing its events, and says how many it did.
 */
export interface Sweep { what: string, batch: number, run (pool: Pool): Promise<number> }

/** Runs expirePendingBookings, then each sweep, every intervalMs (at once again while a batch comes back full). */
export function startExpirySweeper (opts: { pool: Pool, ttlMs: number, intervalMs: number, log: Logger, sweeps?: Sweep[] }): Loop {
  return repeat(async () => {
    const expired = await expirePendingBookings(opts.pool, opts.ttlMs)
    let full = expired >= BATCH
    let woken = expired > 0
    if (expired > 0) opts.log.info({ expired }, 'expired pending booking requests')
    for (const sweep of opts.sweeps ?? []) {
      const done = await sweep.run(opts.pool)
      if (done > 0) opts.log.info({ done }, sweep.what)
      full ||= done >= sweep.batch
      woken ||= done > 0
    }
    if (woken) wakeRelay(opts.pool)
    return full ? 0 : opts.intervalMs
  }, (err, retryInMs) => opts.log.warn({ err: err.message, retryInMs }, 'booking expiry failed, will retry'), 500, 30_000)
}
