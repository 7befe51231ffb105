import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import { PermanentEventError } from '../kafka/consumer/errors.ts'
import type { ReviewPublished } from './events.ts'

// As for bookings and messages (notifications/trust.ts, messages/trust.ts): an event is a signal, not the truth.
// Each review-published is checked against the database before anyone is told or e-mailed: the outbox holds its
// event id for this topic and booking with this very payload, and the review exists, is published, and is that
// author's review of that party for that stay. A contradiction can never be fixed by retrying: refused with an
// UntrustedReview (a PermanentEventError), dead-lettered at once.

export class UntrustedReview extends PermanentEventError {
  static readonly code = 'HOSTLY_UNTRUSTED_REVIEW'
  constructor (reason: string) { super(UntrustedReview.code, reason) }
}

/** What the database says about a review-published event: names and addresses come from here. */
export interface ReviewFacts {
  event_id: string
  topic: string | null
  key: string | null
  payload: string | null
  review_id: number | null
  booking_id: number
  property_id: number
  author_id: number
  subject_id: number
  author_role: string
  published: boolean
  property: string
  author: string
  subject: string
  subject_email: string
  subject_wants_email: boolean
  subject_locale: string
}

async function lookUp (tx: Client, events: Array<DecodedEvent<ReviewPublished>>): Promise<ReviewFacts[]> {
  const { rows } = await tx.query({
    name: 'review-facts',
    text: `SELECT e.event_id::text, o.topic, o.key, o.payload, r.id AS review_id, r.booking_id, r.property_id, r.author_id,
                  r.subject_id, r.author_role, r.published_at IS NOT NULL AS published, p.name AS property, a.name AS author,
                  s.name AS subject, s.email AS subject_email, coalesce(up.email_notifications, true) AS subject_wants_email,
                  s.locale AS subject_locale
             FROM unnest($1::uuid[], $2::bigint[]) WITH ORDINALITY AS e(event_id, review_id, n)
             LEFT JOIN outbox o ON o.event_id = e.event_id
             LEFT JOIN reviews r ON r.id = e.review_id
             LEFT JOIN properties p ON p.id = r.property_id
             LEFT JOIN users a ON a.id = r.author_id
             LEFT JOIN users s ON s.id = r.subject_id
             LEFT JOIN user_preferences up ON up.user_id = r.subject_id
            ORDER BY e.n`,
    values: [events.map(e => e.id), events.map(e => e.payload.id)]
  })
  return rows
}

/** Why the event cannot be believed, or undefined when the database agrees with it. */
export function contradiction (event: DecodedEvent<ReviewPublished>, f: ReviewFacts): string | undefined {
  const p = event.payload
  if (f.topic === null) return `event ${event.id} was never recorded by Hostly (not in the outbox, or older than its retention)`
  if (f.topic !== event.topic || f.key !== String(p.booking_id)) {
    return `event ${event.id} was recorded for ${f.topic} booking ${f.key}, not ${event.topic} booking ${p.booking_id}`
  }
  if (f.review_id === null) return `review ${p.id} does not exist`
  if (!f.published) return `review ${p.id} is not published`
  if (f.booking_id !== p.booking_id || f.author_id !== p.author_id || f.subject_id !== p.subject_id) {
    return `review ${p.id} is not user ${p.author_id}'s review of user ${p.subject_id} for booking ${p.booking_id}`
  }
  const recorded = JSON.parse(f.payload!) as Record<string, unknown>
  const changed = Object.keys(recorded).find(k => (p as Record<string, unknown>)[k] !== recorded[k])
  if (changed) return `${changed} differs from what Hostly recorded for event ${event.id}`
  return undefined
}

/** The events of a batch, each checked against the database; the first untrusted one fails the batch. */
export async function believeReviews (tx: Client, events: Array<DecodedEvent<ReviewPublished>>): Promise<ReviewFacts[]> {
  const facts = await lookUp(tx, events)
  return events.map((e, i) => {
    const reason = contradiction(e, facts[i])
    if (reason) throw new UntrustedReview(reason)
    return facts[i]
  })
}
