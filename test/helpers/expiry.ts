import { expirePendingBookings } from '../../src/bookings/expiry.ts'
import type { Pool } from '../../src/db/pool.ts'
import { waitFor } from './wait.ts'

/**
 * Expires the one pending request there is, as the sweeper does once BOOKING_PENDING_TTL has passed. A sweep skips
 * a row another transaction holds (FOR UPDATE SKIP LOCKED: a consumer writing that booking's notification takes a
 * key-share lock through the foreign key), so it sweeps again until one was expired, and fails on more than one.
 */
export async function expireOne (pool: Pool): Promise<void> {
  let expired = 0
  await waitFor('the pending request expired', async () => {
    expired += await expirePendingBookings(pool, 0)
    if (expired > 1) throw new Error(`${expired} requests expired, one was pending`)
    return expired === 1
  })
}
