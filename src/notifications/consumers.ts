import type { BookingCreated, BookingStatusUpdated } from '../bookings/events.ts'
import { decoders, TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'

// The seed's two back-end services. Each turns one event into one notification; the consumer runner
// makes "one" hold however often Kafka delivers the event, and hands over events in batches.

interface Names { property: string, owner_id: number, traveler: string, start_date: string, end_date: string }

/** Names for the notification text, per booking: the property, its owner, the traveler, the stay. */
async function names (tx: Client, bookingIds: number[]): Promise<Map<number, Names>> {
  const { rows } = await tx.query({
    name: 'notification-names',
    text: `SELECT b.id, p.name AS property, p.owner_id, u.name AS traveler, b.start_date, b.end_date
             FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users u ON u.id = b.traveler_id
            WHERE b.id = ANY($1)`,
    values: [bookingIds]
  })
  return new Map(rows.map(r => [r.id, r]))
}

interface Notice { userId: number, type: string, bookingId: number, eventId: string, message: string }

/** One notification per event; an event about a booking that does not exist is an error. */
async function notify<P extends { id: number }> (tx: Client, events: Array<DecodedEvent<P>>, notice: (payload: P, n: Names) => Omit<Notice, 'eventId' | 'bookingId'>) {
  const known = await names(tx, events.map(e => e.payload.id))
  const notices: Notice[] = events.map(e => {
    const n = known.get(e.payload.id)
    // The event contradicts the database: no retry can help, so it goes to the dead-letter topic at once.
    if (!n) throw Object.assign(new Error(`booking ${e.payload.id} does not exist`), { retryable: false })
    return { ...notice(e.payload, n), bookingId: e.payload.id, eventId: e.id }
  })
  await tx.query({
    name: 'insert-notifications',
    text: `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[])`,
    values: [notices.map(n => n.userId), notices.map(n => n.type), notices.map(n => n.bookingId), notices.map(n => n.eventId), notices.map(n => n.message)]
  })
}

export const ownerService: ConsumerSpec<BookingCreated> = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  decode: decoders[TOPICS.created],
  handle: (tx, events) => notify(tx, events, (e, n) => ({
    userId: n.owner_id,
    type: 'booking_requested',
    message: `${n.traveler} requested ${n.property} from ${e.start_date} to ${e.end_date} for ${e.num_guests === 1 ? '1 guest' : `${e.num_guests} guests`}.`
  }))
}

export const travelerService: ConsumerSpec<BookingStatusUpdated> = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  decode: decoders[TOPICS.statusUpdated],
  handle: (tx, events) => notify(tx, events, (e, n) => ({
    userId: e.traveler_id,
    type: `booking_${e.status}`,
    message: `Your booking at ${n.property} from ${n.start_date} to ${n.end_date} was ${e.status}.`
  }))
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
