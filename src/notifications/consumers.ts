import type { BookingCreated, BookingStatusUpdated, CancelReason } from '../bookings/events.ts'
import { decoders, TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'
import { signalLive } from '../live/signal.ts'
import { requestedMessage, statusMessage } from './messages.ts'
import { believe, type AnyPayload, type Trusted } from './trust.ts'

// The seed's two back-end services. Each turns one event into one notification; the consumer runner
// makes "one" hold however often Kafka delivers the event, and hands over events in batches. Each event is
// checked against the database first (trust.ts): recipients, status and the facts quoted come from there.

export { UntrustedEvent } from './trust.ts'

interface Notice { userId: number, type: string, message: string }

/**
 * One notification per event, from the database's facts. What was written is announced on the live channel
 * (delivered at commit): the notification to its recipient, the booking's new state to both parties.
 */
async function notify (tx: Client, events: Array<DecodedEvent<AnyPayload>>, notice: (t: Trusted) => Notice) {
  const trusted = await believe(tx, events)
  const notices = trusted.map((t, i) => ({ ...notice(t), bookingId: t.facts.booking_id!, eventId: events[i].id }))
  const { rows } = await tx.query({
    name: 'insert-notifications',
    text: `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[]) RETURNING id, user_id`,
    values: [notices.map(n => n.userId), notices.map(n => n.type), notices.map(n => n.bookingId), notices.map(n => n.eventId), notices.map(n => n.message)]
  })
  const bookings = new Map(trusted.map(t => [t.facts.booking_id!, t.facts]))
  await signalLive(tx, {
    notifications: rows.map(r => [r.id, r.user_id]),
    bookings: [...bookings.values()].map(b => [b.booking_id!, b.traveler_id, b.owner_id])
  })
}

export const ownerService: ConsumerSpec<BookingCreated> = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  decode: decoders[TOPICS.created],
  handle: (tx, events) => notify(tx, events, ({ facts }) => ({
    userId: facts.owner_id,
    type: 'booking_requested',
    message: requestedMessage(facts)
  }))
}

export const travelerService: ConsumerSpec<BookingStatusUpdated> = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  decode: decoders[TOPICS.statusUpdated],
  // The status is the one recorded with the event (the booking may have moved on since: accepted, then cancelled).
  handle: (tx, events) => notify(tx, events, ({ facts, recorded }) => {
    const status = recorded.status as BookingStatusUpdated['status']
    return {
      userId: facts.traveler_id,
      type: `booking_${status}`,
      message: statusMessage(facts, status, recorded.reason as CancelReason | undefined)
    }
  })
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
