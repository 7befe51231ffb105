import type { BookingCreated, BookingStatusUpdated } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import { PermanentEventError } from '../kafka/consumer/errors.ts'
import type { EventLookUp } from '../kafka/consumer/spec.ts'

// An event is a signal, not the truth (docs/events.md): anyone who can write to the topic could have sent it.
// So each event is checked against the database before it notifies or e-mails anyone: the outbox must hold its
// event id, for this topic and booking, with this very payload (Hostly writes every event there, in the
// transaction of the change); the booking must exist and be that traveler's. Recipients, status and every fact
// quoted come from the database. An event that fails a check can never succeed: it is refused with an
// UntrustedEvent (a PermanentEventError), which the runner dead-letters at once with the reason.
//
// Outbox rows are kept for a retention period after they are published. An event older than that (a replay or
// redrive from long ago) cannot be verified any more and is refused like one Hostly never wrote.

/** A contradiction between an event and the database: retrying cannot fix it. */
export class UntrustedEvent extends PermanentEventError {
  static readonly code = 'HOSTLY_UNTRUSTED_EVENT'
  constructor (reason: string) { super(UntrustedEvent.code, reason) }
}

export type AnyPayload = BookingCreated | BookingStatusUpdated

/** What the database says about an event and its booking. */
export interface BookingEventFacts {
  event_id: string
  topic: string | null
  key: string | null
  payload: string | null
  booking_id: number | null
  property_id: number
  traveler_id: number
  owner_id: number
  property: string
  traveler: string
  start_date: string
  end_date: string
  num_guests: number
  total_price: string
  currency: string
  owner: string
  traveler_locale: string
  traveler_time_zone: string
  owner_locale: string
  owner_time_zone: string
  /** For a booking cancelled because another stay was accepted: whether that stay is its own traveler's. */
  own_request_accepted: boolean | null
  /** For a cancelled booking: whether it was cancelled because a party deleted their account (booking_history.cause). */
  account_deleted: boolean | null
}

/** A believed event: the database's facts, and the payload Hostly recorded for it (not the one received). */
export interface Trusted { facts: BookingEventFacts, recorded: Record<string, unknown> }

/**
 * What the outbox recorded for each event, and the booking it names, one row per event in their order: a look-up
 * (kafka/consumer/spec.ts) that the consumers run in the statement that records the events as processed.
 */
export const eventFacts: EventLookUp<AnyPayload> = {
  name: 'event-facts',
  sql: (ids, params) => `SELECT e.event_id::text, o.topic, o.key, o.payload, b.id AS booking_id, b.property_id, b.traveler_id,
                  p.owner_id, p.name AS property, u.name AS traveler, to_char(b.start_date, 'YYYY-MM-DD') AS start_date,
                  to_char(b.end_date, 'YYYY-MM-DD') AS end_date, b.num_guests, b.total_price, p.currency, w.name AS owner,
                  u.locale AS traveler_locale, u.time_zone AS traveler_time_zone, w.locale AS owner_locale, w.time_zone AS owner_time_zone,
                  dt.own AS own_request_accepted, e.n AS event_ordinal,
                  (SELECT h.cause = 'account_deleted' FROM booking_history h
                    WHERE h.booking_id = b.id AND h.status = 'cancelled' ORDER BY h.id DESC LIMIT 1) AS account_deleted
             FROM unnest(${ids}, ${params(1)}::bigint[]) WITH ORDINALITY AS e(event_id, booking_id, n)
             LEFT JOIN outbox o ON o.event_id = e.event_id
             LEFT JOIN bookings b ON b.id = e.booking_id
             LEFT JOIN properties p ON p.id = b.property_id
             LEFT JOIN users u ON u.id = b.traveler_id
             LEFT JOIN users w ON w.id = p.owner_id
             LEFT JOIN LATERAL (SELECT a.traveler_id = b.traveler_id AS own FROM booking_history h JOIN bookings a ON a.id = h.accepted_booking_id
                                 WHERE h.booking_id = b.id AND h.reason = 'dates_taken' ORDER BY h.id DESC LIMIT 1) dt ON true
            ORDER BY e.n`,
  values: events => [events.map(e => e.payload.id)]
}

/** The facts of a batch's events, in one query, when the consumer did not read them with its record (eventFacts). */
async function lookUp (tx: Client, events: Array<DecodedEvent<AnyPayload>>): Promise<BookingEventFacts[]> {
  const { rows } = await tx.query({
    name: 'event-facts',
    text: eventFacts.sql('$1::uuid[]', n => `$${n + 1}`),
    values: [events.map(e => e.id), ...eventFacts.values(events)]
  })
  return rows
}

/** Why the event cannot be believed, or undefined when the database agrees with it. */
export function contradiction (event: DecodedEvent<AnyPayload>, f: BookingEventFacts): string | undefined {
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

/** The events of a batch, each checked against the database (its facts, read already when looked is given); the first untrusted one fails the batch. */
export async function believe (tx: Client, events: Array<DecodedEvent<AnyPayload>>, looked?: unknown[]): Promise<Trusted[]> {
  const facts = (looked as BookingEventFacts[] | undefined) ?? await lookUp(tx, events)
  return events.map((e, i) => {
    const reason = contradiction(e, facts[i])
    if (reason) throw new UntrustedEvent(reason)
    return { facts: facts[i], recorded: JSON.parse(facts[i].payload!) }
  })
}
