import assert from 'node:assert/strict'
import { expirePendingBookings } from '../../src/bookings/expiry.ts'
import type { Pool } from '../../src/db/pool.ts'

/**
 * Expires the one pending request there is, as the sweeper does once BOOKING_PENDING_TTL has passed: one sweep.
 * A consumer writing that booking's notification at the same moment holds only a key-share lock on it (the foreign
 * key), which the sweep's FOR NO KEY UPDATE SKIP LOCKED does not skip (test/expiry.test.ts).
 */
export async function expireOne (pool: Pool): Promise<void> {
  assert.equal(await expirePendingBookings(pool, 0), 1, 'the one pending request expired')
}
