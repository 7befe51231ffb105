import type { Pool } from '../db/pool.ts'
import { REVIEW_TOPICS } from './events.ts'

/** Reviews the sweeper publishes at most in one transaction; a full batch is followed by another at once. */
export const CLOSE_BATCH = 200

/**
 * Publishes up to CLOSE_BATCH reviews whose 14-day window has closed without the other party writing, each with its
 * review-published event (reason window_closed), in one transaction: close_review_windows() in review.sql, which
 * several sweepers may run at once (SKIP LOCKED). Returns how many it published. Run by the booking expiry sweeper
 * (bookings/expiry.ts), which the assembly hands it to.
 */
export async function closeReviewWindows (pool: Pool): Promise<number> {
  const { rows: [{ published }] } = await pool.query({
    name: 'close-review-windows',
    text: 'SELECT close_review_windows($1, $2) AS published',
    values: [CLOSE_BATCH, REVIEW_TOPICS.published]
  })
  return published
}
