import { decoders, TOPICS, type BookingCreated, type BookingStatusUpdated, type EventTopic } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import { decodeMessageSent, MESSAGE_TOPICS, type MessageSent } from '../messages/events.ts'
import { decodeReviewPublished, REVIEW_TOPICS, type ReviewPublished } from '../reviews/events.ts'

// The analytics service: owner figures per property and day (docs/http.md, Owner analytics), from the events alone.
//
// Each booking's facts are gathered in analytics_bookings as its events arrive, in any order (booking-created and
// booking-status-updated are different topics, so a status can come before its request). A booking's share of
// analytics_daily is a function of its row: each batch takes the old share of the bookings it touches away and
// adds the new one, in one statement, in the transaction that records the events as processed (the runner's).
// So an event counts once however often it is delivered, and a replay into empty tables gives the same figures.
// The share itself is analytics_share() (migrations/021_analytics_figures.sql), which defines every figure.
//
// Unlike the notification services, events are not checked against the outbox: a replay must rebuild the figures
// after the outbox rows are long deleted. Only Hostly's processes may write to the topics (docs/security.md).

type BookingPayload = BookingCreated | BookingStatusUpdated
type Payload = BookingPayload | MessageSent | ReviewPublished

const isBookingEvent = (e: DecodedEvent<Payload>): e is DecodedEvent<BookingPayload> => e.topic === TOPICS.created || e.topic === TOPICS.statusUpdated

/** A booking as the events of one batch tell it (null: not known from this batch). */
interface BookingInBatch {
  bookingId: number
  propertyId: number
  startDate: string | null
  endDate: string | null
  totalPrice: number | null
  requestedAt: string | null
  acceptedAt: string | null
  cancelledAt: string | null
  reason: string | null
  previousStatus: string | null
}

/** previous_status of a cancel, read tolerantly: events older than issue 17 have none, and nothing else is trusted. */
const previousStatus = (s: BookingStatusUpdated) => {
  const p = (s as { previous_status?: unknown }).previous_status
  return p === 'pending' || p === 'accepted' ? p : null
}

function gather (events: Array<DecodedEvent<BookingPayload>>): BookingInBatch[] {
  const byBooking = new Map<number, BookingInBatch>()
  for (const { topic, payload: p } of events) {
    const f = byBooking.get(p.id) ?? {
      bookingId: p.id, propertyId: p.property_id, startDate: null, endDate: null, totalPrice: null, requestedAt: null, acceptedAt: null, cancelledAt: null, reason: null, previousStatus: null
    }
    byBooking.set(p.id, f)
    if (topic === TOPICS.created) {
      const c = p as BookingCreated
      Object.assign(f, { startDate: c.start_date, endDate: c.end_date, totalPrice: c.total_price, requestedAt: c.created_at })
    } else {
      const s = p as BookingStatusUpdated
      if (s.status === 'accepted') f.acceptedAt = s.updated_at
      else Object.assign(f, { cancelledAt: s.updated_at, reason: s.reason ?? null, previousStatus: previousStatus(s) })
    }
  }
  // Locked in id order below: two members touching the same bookings never wait on each other in a circle.
  return [...byBooking.values()].sort((a, b) => a.bookingId - b.bookingId)
}

const col = <K extends keyof BookingInBatch>(facts: BookingInBatch[], k: K) => facts.map(f => f[k])

/** A booking row's share of analytics_daily (b: the row). */
const SHARE = 'analytics_share(b.start_date, b.end_date, b.total_price, b.requested_at, b.accepted_at, b.cancelled_at, b.reason, b.previous_status)'
const KINDS = ['requests', 'accepted', 'cancelled', 'expired', 'declined', 'withdrawn', 'cancelled_by_traveler', 'cancelled_by_owner', 'dates_taken']

async function record (tx: Client, all: Array<DecodedEvent<Payload>>) {
  await talk(tx, all)
  const events = all.filter(isBookingEvent)
  if (events.length === 0) return
  const facts = gather(events)
  const ids = col(facts, 'bookingId')
  await tx.query({
    name: 'analytics-bookings-add',
    text: `INSERT INTO analytics_bookings (booking_id, property_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])
           ON CONFLICT DO NOTHING`,
    values: [ids, col(facts, 'propertyId')]
  })
  await tx.query({ name: 'analytics-bookings-lock', text: 'SELECT 1 FROM analytics_bookings WHERE booking_id = ANY($1) ORDER BY booking_id FOR UPDATE', values: [ids] })
  // One statement: the rows before (old) and after (new) the update, so their shares are taken from one snapshot.
  await tx.query({
    name: 'analytics-apply',
    text: `WITH f AS (
             SELECT * FROM unnest($1::bigint[], $2::date[], $3::date[], $4::numeric[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
                        AS f(booking_id, start_date, end_date, total_price, requested_at, accepted_at, cancelled_at, reason, previous_status)
           ), old AS (
             SELECT a.* FROM analytics_bookings a JOIN f USING (booking_id)
           ), new AS (
             UPDATE analytics_bookings a
                SET start_date = coalesce(a.start_date, f.start_date), end_date = coalesce(a.end_date, f.end_date),
                    total_price = coalesce(a.total_price, f.total_price), requested_at = coalesce(a.requested_at, f.requested_at),
                    accepted_at = coalesce(a.accepted_at, f.accepted_at), cancelled_at = coalesce(a.cancelled_at, f.cancelled_at),
                    reason = coalesce(a.reason, f.reason), previous_status = coalesce(a.previous_status, f.previous_status)
               FROM f WHERE a.booking_id = f.booking_id
             RETURNING a.*
           ), delta AS (
             SELECT b.property_id, s.day, ${KINDS.map(k => `b.sign * s.${k} AS ${k}`).join(', ')},
                    b.sign * s.nights AS nights, b.sign * s.revenue AS revenue
               FROM (SELECT -1 AS sign, * FROM old UNION ALL SELECT 1, * FROM new) b, LATERAL ${SHARE} s
           )
           INSERT INTO analytics_daily AS d (property_id, day, ${KINDS.join(', ')}, nights_booked, revenue)
           SELECT property_id, day, ${KINDS.map(k => `sum(${k})`).join(', ')}, sum(nights), sum(revenue)
             FROM delta GROUP BY property_id, day ORDER BY property_id, day
           ON CONFLICT (property_id, day) DO UPDATE SET
             ${KINDS.map(k => `${k} = d.${k} + excluded.${k}`).join(', ')},
             nights_booked = d.nights_booked + excluded.nights_booked, revenue = d.revenue + excluded.revenue`,
    values: [ids, col(facts, 'startDate'), col(facts, 'endDate'), col(facts, 'totalPrice'), col(facts, 'requestedAt'),
      col(facts, 'acceptedAt'), col(facts, 'cancelledAt'), col(facts, 'reason'), col(facts, 'previousStatus')]
  })
}

/**
 * Conversations and reviews per property (analytics_talk): each message-sent counts one message for its property,
 * each review-published by a guest one review and its rating. Sums, so the order of events does not matter; the
 * runner records each event id in this transaction, so each counts once.
 */
async function talk (tx: Client, events: Array<DecodedEvent<Payload>>) {
  const counts = new Map<number, { messages: number, reviews: number, ratings: number }>()
  const of = (id: number) => counts.get(id) ?? counts.set(id, { messages: 0, reviews: 0, ratings: 0 }).get(id)!
  for (const e of events) {
    if (e.topic === MESSAGE_TOPICS.sent) of((e.payload as MessageSent).property_id).messages++
    if (e.topic === REVIEW_TOPICS.published) {
      const r = e.payload as ReviewPublished
      if (r.author_role !== 'traveler') continue // the host's review of a guest is not the place's
      const c = of(r.property_id)
      c.reviews++
      c.ratings += r.rating
    }
  }
  if (counts.size === 0) return
  const rows = [...counts].sort(([a], [b]) => a - b) // locked in property order: no two batches wait in a circle
  await tx.query({
    name: 'analytics-talk',
    text: `INSERT INTO analytics_talk AS t (property_id, messages, reviews, rating_sum)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[])
           ON CONFLICT (property_id) DO UPDATE SET messages = t.messages + excluded.messages, reviews = t.reviews + excluded.reviews,
             rating_sum = t.rating_sum + excluded.rating_sum`,
    values: [rows.map(([id]) => id), rows.map(([, c]) => c.messages), rows.map(([, c]) => c.reviews), rows.map(([, c]) => c.ratings)]
  })
}

const TALK_DECODERS: Record<string, ConsumerSpec<Payload>['decode']> = {
  [MESSAGE_TOPICS.sent]: message => decodeMessageSent(message),
  [REVIEW_TOPICS.published]: message => decodeReviewPublished(message)
}

export const analyticsService: ConsumerSpec<Payload> = {
  name: 'analytics',
  group: 'analytics-service-group',
  topic: TOPICS.created,
  topics: [TOPICS.created, TOPICS.statusUpdated, MESSAGE_TOPICS.sent, REVIEW_TOPICS.published],
  decode: (message, topic) => TALK_DECODERS[topic]?.(message, topic) ?? decoders[topic as EventTopic](message),
  handle: record
}
