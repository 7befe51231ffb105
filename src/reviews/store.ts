import type { Static } from 'typebox'
import type { Client, Queryable } from '../db/pool.ts'
import { appError, forbidden, notFound } from '../errors.ts'
import type { Page } from '../http/paging.ts'
import { REVIEW_TOPICS } from './events.ts'
import type { Review } from './schemas.ts'

// Reviews in PostgreSQL: the rules are review.sql's stored functions; here, calling them and reading reviews as each
// reader may see them (an unpublished review by its author only).

const REVIEW = `SELECT r.id, r.booking_id, r.property_id, json_build_object('id', a.id, 'name', a.name) AS author, r.author_role,
         r.rating, r.comment, r.created_at, r.published_at, r.reply, r.replied_at, r.published_seq
    FROM reviews r JOIN users a ON a.id = r.author_id`

/** Writes the caller's review of the stay (and publishes both when the other has written), or throws why not. */
export async function writeReview (tx: Client, authorId: number, bookingId: string, rating: number, comment: string) {
  const { rows: [r] } = await tx.query({
    name: 'write-review',
    text: 'SELECT * FROM write_review($1, $2, $3, $4, $5)',
    values: [bookingId, authorId, rating, comment, REVIEW_TOPICS.published]
  })
  switch (r.outcome) {
    case 'not_found': throw notFound('Booking')
    case 'not_party': throw forbidden('Only the guest and the host of a stay can review it.')
    case 'not_a_stay': throw appError('STAY_NOT_REVIEWABLE', { status: r.detail })
    case 'too_early': throw appError('REVIEW_TOO_EARLY', { date: r.detail })
    case 'closed': throw appError('REVIEW_WINDOW_CLOSED', { date: r.detail })
    case 'already_reviewed': throw appError('ALREADY_REVIEWED')
  }
  return { review: await reviewById(tx, r.review_id), published: r.published as boolean }
}

type ReviewRow = Static<typeof Review> & { published_seq: string | null }

const strip = ({ published_seq: _, ...review }: ReviewRow): Static<typeof Review> => review

async function reviewById (db: Queryable, id: number | string) {
  const { rows: [row] } = await db.query<ReviewRow>({ name: 'review-by-id', text: `${REVIEW} WHERE r.id = $1`, values: [id] })
  return strip(row)
}

/**
 * A stay's reviews as one of its parties sees them: their own (published or not), the other's once published, and
 * the window (open: they may write now). 403 for anyone else, 404 without the booking.
 */
export async function stayReviews (db: Queryable, userId: number, bookingId: string) {
  const { rows: [b] } = await db.query({
    name: 'review-stay',
    text: `SELECT b.id, b.traveler_id, p.owner_id, b.status, to_char(b.end_date, 'YYYY-MM-DD') AS opens_on,
                  to_char(review_window_closes(b.end_date), 'YYYY-MM-DD') AS closes_on,
                  b.status = 'accepted' AND utc_today() >= b.end_date AND utc_today() < review_window_closes(b.end_date) AS open
             FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1`,
    values: [bookingId]
  })
  if (!b) throw notFound('Booking')
  if (userId !== Number(b.traveler_id) && userId !== Number(b.owner_id)) throw forbidden('Only the guest and the host of a stay can see its reviews.')
  const { rows } = await db.query<ReviewRow>({ name: 'review-of-stay', text: `${REVIEW} WHERE r.booking_id = $1`, values: [b.id] })
  const mine = rows.find(r => r.author.id === userId)
  const theirs = rows.find(r => r.author.id !== userId && r.published_at !== null)
  return {
    window: { opens_on: b.opens_on, closes_on: b.closes_on, open: b.open && !mine },
    mine: mine ? strip(mine) : null,
    theirs: theirs ? strip(theirs) : null
  }
}

/** A property's rating: its guests' published reviews, counted as they publish (property_ratings). */
export async function propertyRating (db: Queryable, propertyId: string) {
  const { rows: [row] } = await db.query({
    name: 'property-rating',
    text: `SELECT p.id, round(pr.rating_sum::numeric / nullif(pr.reviews, 0), 1)::float8 AS average, coalesce(pr.reviews, 0) AS count
             FROM properties p LEFT JOIN property_ratings pr ON pr.property_id = p.id WHERE p.id = $1`,
    values: [propertyId]
  })
  if (!row) throw notFound('Property')
  return { average: row.average as number | null, count: row.count as number }
}

/** A page of a property's guest reviews, published, newest first (the cursor is their publication order). */
export async function propertyReviews (db: Queryable, propertyId: string, page: Page) {
  const { rows } = await db.query<ReviewRow>({
    name: 'property-reviews',
    text: `${REVIEW} WHERE r.property_id = $1 AND r.author_role = 'traveler' AND r.published_seq IS NOT NULL
              AND r.published_seq < coalesce($3::bigint, 9223372036854775807)
            ORDER BY r.published_seq DESC LIMIT $2`,
    values: [propertyId, page.limit + 1, page.below]
  })
  const { items, next_cursor } = page.finish(rows.map(r => ({ id: r.published_seq!, review: r })))
  return { reviews: items.map(i => strip(i.review)), next_cursor }
}

/** The host's one public reply to a guest's published review of their place. */
export async function replyToReview (db: Queryable, ownerId: number, reviewId: string, reply: string) {
  const { rows: [done] } = await db.query({
    name: 'review-reply',
    text: `UPDATE reviews r SET reply = $3, replied_at = now() FROM properties p
            WHERE r.id = $1 AND p.id = r.property_id AND p.owner_id = $2 AND r.author_role = 'traveler'
              AND r.published_at IS NOT NULL AND r.reply IS NULL
           RETURNING r.id`,
    values: [reviewId, ownerId, reply]
  })
  if (done) return reviewById(db, done.id)
  // Why not: an unpublished review exists for its author only, as it is shown.
  const { rows: [r] } = await db.query({
    name: 'review-reply-why',
    text: `SELECT r.author_id, r.author_role, r.published_at IS NOT NULL AS published, r.reply IS NOT NULL AS replied, p.owner_id
             FROM reviews r JOIN properties p ON p.id = r.property_id WHERE r.id = $1`,
    values: [reviewId]
  })
  if (!r || (!r.published && Number(r.author_id) !== ownerId)) throw notFound('Review')
  if (Number(r.owner_id) !== ownerId || r.author_role !== 'traveler') throw forbidden("Only the host of the place can reply to a guest's review of it.")
  if (!r.published) throw notFound('Review')
  throw appError('ALREADY_REPLIED')
}
