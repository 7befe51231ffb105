import type { BookingCreated, BookingStatusUpdated } from '../bookings/events.ts'
import { decoders, TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'

// The seed's two back-end services. Each turns one event into one notification; the consumer runner
// makes "one" hold however often Kafka delivers the event, and hands over events in batches.
//
// An event is a signal, not the truth (api.md, Events): anyone who can write to the topic could have sent it.
// So each event is checked against the database before it notifies anyone: the outbox must hold its event id,
// for this topic and booking, with this very payload (Hostly writes every event there, in the transaction of
// the change); the booking must exist and be that traveler's. Recipients, status and every fact quoted come
// from the database. An event that fails a check can never succeed: it is refused with `retryable: false`,
// which the runner dead-letters at once with the reason, and it notifies no one.
//
// Outbox rows are kept for a retention period after they are published. An event older than that (a replay or
// redrive from long ago) cannot be verified any more and is refused like one Hostly never wrote.

/** A contradiction between an event and the database: retrying cannot fix it. */
export class UntrustedEvent extends Error {
  readonly retryable = false
}

interface Facts {
  event_id: string
  topic: string | null
  key: string | null
  payload: string | null
  booking_id: number | null
  traveler_id: number
  owner_id: number
  property: string
  traveler: string
  start_date: string
  end_date: string
  num_guests: number
}

/** What the outbox recorded for each event, and the booking it names, in one query for the batch. */
async function lookUp (tx: Client, events: Array<DecodedEvent<AnyPayload>>): Promise<Facts[]> {
  const { rows } = await tx.query({
    name: 'event-facts',
    text: `SELECT e.event_id::text, o.topic, o.key, o.payload, b.id AS booking_id, b.traveler_id, p.owner_id,
                  p.name AS property, u.name AS traveler, b.start_date, b.end_date, b.num_guests
             FROM unnest($1::uuid[], $2::bigint[]) WITH ORDINALITY AS e(event_id, booking_id, n)
             LEFT JOIN outbox o ON o.event_id = e.event_id
             LEFT JOIN bookings b ON b.id = e.booking_id
             LEFT JOIN properties p ON p.id = b.property_id
             LEFT JOIN users u ON u.id = b.traveler_id
            ORDER BY e.n`,
    values: [events.map(e => e.id), events.map(e => e.payload.id)]
  })
  return rows
}

/** Why the event cannot be believed, or undefined when the database agrees with it. */
function contradiction (event: DecodedEvent<AnyPayload>, f: Facts): string | undefined {
  const p = event.payload as AnyPayload & Record<string, unknown>
  if (f.topic === null) return `event ${event.id} was never recorded by Hostly (not in the outbox, or older than its retention)`
  if (f.topic !== event.topic || f.key !== String(p.id)) {
    return `event ${event.id} was recorded for ${f.topic} booking ${f.key}, not ${event.topic} booking ${p.id}`
  }
  if (f.booking_id === null) return `booking ${p.id} does not exist`
  if (p.traveler_id !== f.traveler_id) return `traveler ${p.traveler_id} is not booking ${p.id}'s traveler`
  const recorded = JSON.parse(f.payload!) as Record<string, unknown>
  if ('status' in recorded && p.status !== recorded.status) {
    return `status ${String(p.status)} contradicts event ${event.id}, recorded with status ${String(recorded.status)}`
  }
  const changed = Object.keys(recorded).find(k => p[k] !== recorded[k])
  if (changed) return `${changed} differs from what Hostly recorded for event ${event.id}`
  return undefined
}

interface Notice { userId: number, type: string, message: string }

type AnyPayload = BookingCreated | BookingStatusUpdated

/** One notification per event, from the database's facts; the first untrusted event fails the batch. */
async function notify (tx: Client, events: Array<DecodedEvent<AnyPayload>>, notice: (f: Facts, recorded: Record<string, unknown>) => Notice) {
  const facts = await lookUp(tx, events)
  const notices = events.map((e, i) => {
    const reason = contradiction(e, facts[i])
    if (reason) throw new UntrustedEvent(reason)
    return { ...notice(facts[i], JSON.parse(facts[i].payload!)), bookingId: facts[i].booking_id!, eventId: e.id }
  })
  await tx.query({
    name: 'insert-notifications',
    text: `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[])`,
    values: [notices.map(n => n.userId), notices.map(n => n.type), notices.map(n => n.bookingId), notices.map(n => n.eventId), notices.map(n => n.message)]
  })
}

const guests = (n: number) => (n === 1 ? '1 guest' : `${n} guests`)

export const ownerService: ConsumerSpec<BookingCreated> = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  decode: decoders[TOPICS.created],
  handle: (tx, events) => notify(tx, events, f => ({
    userId: f.owner_id,
    type: 'booking_requested',
    message: `${f.traveler} requested ${f.property} from ${f.start_date} to ${f.end_date} for ${guests(f.num_guests)}.`
  }))
}

export const travelerService: ConsumerSpec<BookingStatusUpdated> = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  decode: decoders[TOPICS.statusUpdated],
  // The status is the one recorded with the event (the booking may have moved on since: accepted, then cancelled).
  handle: (tx, events) => notify(tx, events, (f, recorded) => ({
    userId: f.traveler_id,
    type: `booking_${String(recorded.status)}`,
    message: `Your booking at ${f.property} from ${f.start_date} to ${f.end_date} was ${String(recorded.status)}.`
  }))
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
