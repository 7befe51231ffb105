import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import { signalLive } from '../live/signal.ts'
import { insertNotifications } from '../notifications/consumers.ts'
import { decodeReviewPublished, REVIEW_TOPICS, type ReviewPublished } from './events.ts'
import { believeReviews } from './trust.ts'
import { reviewSentence } from './words.ts'

/** The inbox's type of a review notification (notifications.type). */
export const REVIEW_NOTIFICATION = 'review_published'

/**
 * Tells the reviewed party of each published review, once per event however often Kafka delivers it (the runner
 * records the event id in this transaction, and notifications are unique per event and recipient): a notification
 * in their inbox, sent to their open sockets when this commits, as the booking notifications are.
 */
async function tell (tx: Client, events: Array<DecodedEvent<ReviewPublished>>) {
  const facts = await believeReviews(tx, events)
  const rows = await insertNotifications(tx, events.map((e, i) => ({
    userId: facts[i].subject_id,
    type: REVIEW_NOTIFICATION,
    bookingId: facts[i].booking_id,
    eventId: e.id,
    message: reviewSentence(facts[i], e.payload.rating)
  })))
  await signalLive(tx, { notifications: rows.map(r => [r.id, r.user_id]) })
}

/** The review service: the reviewed party's inbox and live sockets. */
export const reviewService: ConsumerSpec<ReviewPublished> = {
  name: 'reviews',
  group: 'review-service-group',
  topic: REVIEW_TOPICS.published,
  decode: message => decodeReviewPublished(message),
  handle: tell
}
