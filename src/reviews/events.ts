import { Type, type Static } from 'typebox'
import { eventDecoder } from '../kafka/consumer/decode.ts'

/**
 * The topic of reviews: one record per review as it is published (review.sql: publish_reviews), key = the booking
 * id, so a stay's two reviews keep their order. The one place its name is written: the stored functions take it as
 * a parameter.
 */
export const REVIEW_TOPICS = { published: 'review-published' } as const
/** Its payload's version (the relay writes one event-version for every topic: 1). */
export const REVIEW_EVENT_VERSION = '1'

const Id = Type.Integer({ minimum: 1 })
const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })

/**
 * review-published: who reviewed whom for which stay, with the rating, and why now (both had written, or the window
 * closed). The comment is not in the event: it stays in PostgreSQL, where the consumers read it. Built by
 * review_published_payload() in review.sql.
 */
export const ReviewPublished = Type.Object({
  id: Id,
  booking_id: Id,
  property_id: Id,
  author_id: Id,
  subject_id: Id,
  author_role: Type.Union([Type.Literal('traveler'), Type.Literal('owner')]),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  reason: Type.Union([Type.Literal('both_written'), Type.Literal('window_closed')]),
  published_at: Iso,
  timestamp: Iso
})
export type ReviewPublished = Static<typeof ReviewPublished>

export const decodeReviewPublished = eventDecoder(REVIEW_TOPICS.published, REVIEW_EVENT_VERSION, ReviewPublished)
