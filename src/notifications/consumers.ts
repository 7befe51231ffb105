import type { BookingCreated, BookingStatusUpdated } from '../bookings/events.ts'
import { EVENT_VERSION, payloadValidators, TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'
import { signalLive } from '../live/signal.ts'
import { requestedMessage, statusMessage, type Facts } from './messages.ts'

// The seed's two back-end services. Each turns one event into one notification; the consumer runner
// makes "one" hold however often Kafka delivers the event, and hands over events in batches.

interface Names extends Facts { id: number, owner_id: number, traveler_id: number }

/** Names for the notification text, per booking: the property, its owner, the traveler, the stay. */
async function names (tx: Client, bookingIds: number[]): Promise<Map<number, Names>> {
  const { rows } = await tx.query({
    name: 'notification-names',
    text: `SELECT b.id, p.name AS property, p.owner_id, b.traveler_id, u.name AS traveler, b.start_date, b.end_date, b.num_guests
             FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users u ON u.id = b.traveler_id
            WHERE b.id = ANY($1)`,
    values: [bookingIds]
  })
  return new Map(rows.map(r => [r.id, r]))
}

interface Notice { userId: number, type: string, bookingId: number, eventId: string, message: string }

/**
 * One notification per event; an event about a booking that does not exist is an error. What was written is
 * announced on the live channel (delivered at commit): the notification to its recipient, the booking's new state to
 * both parties.
 */
async function notify<P> (tx: Client, events: DecodedEvent[], notice: (payload: P, n: Names) => Omit<Notice, 'eventId' | 'bookingId'>) {
  const known = await names(tx, events.map(e => e.payload.id as number))
  const notices: Notice[] = events.map(e => {
    const n = known.get(e.payload.id as number)
    if (!n) throw new Error(`booking ${e.payload.id} does not exist`)
    return { ...notice(e.payload as P, n), bookingId: e.payload.id as number, eventId: e.id }
  })
  const { rows } = await tx.query({
    name: 'insert-notifications',
    text: `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[]) RETURNING id, user_id`,
    values: [notices.map(n => n.userId), notices.map(n => n.type), notices.map(n => n.bookingId), notices.map(n => n.eventId), notices.map(n => n.message)]
  })
  const bookings = [...new Set(notices.map(n => n.bookingId))].map(id => known.get(id)!)
  await signalLive(tx, {
    notifications: rows.map(r => [r.id, r.user_id]),
    bookings: bookings.map(b => [b.id, b.traveler_id, b.owner_id])
  })
}

export const ownerService: ConsumerSpec = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  contract: { version: EVENT_VERSION, payload: payloadValidators[TOPICS.created] },
  handle: (tx, events) => notify<BookingCreated>(tx, events, (e, n) => ({
    userId: n.owner_id,
    type: 'booking_requested',
    message: requestedMessage(n)
  }))
}

export const travelerService: ConsumerSpec = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  contract: { version: EVENT_VERSION, payload: payloadValidators[TOPICS.statusUpdated] },
  handle: (tx, events) => notify<BookingStatusUpdated>(tx, events, (e, n) => ({
    userId: e.traveler_id,
    type: `booking_${e.status}`,
    message: statusMessage(n, e.status, e.reason)
  }))
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
