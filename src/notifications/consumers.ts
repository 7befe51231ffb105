import { decoders, TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import { eventContext } from '../kafka/consumer/tracing.ts'
import { CHUNK, LIVE_CHANNEL, signalLive } from '../live/signal.ts'
import { tracing, traceparentOf } from '../tracing/spans.ts'
import { audience, changeOf, describeChange, notificationType, type Party } from './messages.ts'
import { believe, eventFacts, type AnyPayload, type BookingEventFacts } from './trust.ts'

// The seed's two back-end services, each now telling one party of every change that party did not make
// (messages.ts: audience): the owner service the property's owner, the traveler service the traveler. The
// consumer runner makes each notification happen once however often Kafka delivers the event, and hands over
// events in batches. Each event is checked against the database first (trust.ts): recipients, status and the
// facts quoted come from there.

export { UntrustedEvent } from './trust.ts'

/** The party's id and how they read dates, from the event's facts. */
export const readerOf = (f: BookingEventFacts, party: Party) => party === 'owner'
  ? { userId: f.owner_id, locale: f.owner_locale, time_zone: f.owner_time_zone }
  : { userId: f.traveler_id, locale: f.traveler_locale, time_zone: f.traveler_time_zone }

export interface Notice { userId: number, type: string, bookingId: number, eventId: string, message: string }

/**
 * Writes the notifications, each recipient's in the order of their ids. A live socket resumes with `?after=<the
 * newest id it has>`, so one recipient's ids must follow commit order: with two workers writing for one person at
 * once (two owner workers on different partitions), a smaller id committing after a larger one would be missed by a
 * socket that reconnected in between. Hence a lock per recipient, held to the commit, taken before the ids are
 * drawn and in recipient order (two batches never wait for each other in a cycle). Found by the chaos run.
 */
export async function insertNotifications (tx: Client, notices: Notice[], announce?: { bookings: Array<[number, ...number[]]> }):
Promise<Array<{ id: number, user_id: number, event_id: string }>> {
  if (notices.length === 0) return []
  // One statement: the locks are a materialized CTE read by the INSERT's one-time filter, which PostgreSQL evaluates
  // before the INSERT's first row, so every lock is held before the first id is drawn (nextval, per row). With
  // announce, the same statement NOTIFYs what it wrote and the bookings given, as signalLive would (one payload).
  const values = [notices.map(n => n.userId), notices.map(n => n.type), notices.map(n => n.bookingId), notices.map(n => n.eventId), notices.map(n => n.message)]
  const written = `locked AS MATERIALIZED (
             SELECT count(pg_advisory_xact_lock(7243016, (u % 2147483647)::int)) AS n
               FROM (SELECT DISTINCT u FROM unnest($1::bigint[]) AS u ORDER BY u) AS recipients),
           written AS (
             INSERT INTO notifications (user_id, type, booking_id, event_id, message)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[])
              WHERE (SELECT n FROM locked) >= 0
             RETURNING id, user_id, event_id)`
  if (!announce) {
    const { rows } = await tx.query<{ id: number, user_id: number, event_id: string }>({
      name: 'insert-notifications',
      text: `WITH ${written} SELECT id, user_id, event_id FROM written`,
      values
    })
    return rows
  }
  const { rows } = await tx.query<{ id: number, user_id: number, event_id: string }>({
    name: 'insert-notifications-signal',
    text: `WITH ${written},
           told AS MATERIALIZED (
             SELECT pg_notify('${LIVE_CHANNEL}', json_strip_nulls(json_build_object(
                      'n', (SELECT json_agg(json_build_array(id, user_id) ORDER BY id) FROM written), 'b', $6::json))::text))
           SELECT id, user_id, event_id FROM written, told`,
    values: [...values, announce.bookings.length > 0 ? JSON.stringify(announce.bookings) : null]
  })
  return rows
}

/**
 * The party's notification for each event that concerns them, from the database's facts and the payload Hostly
 * recorded (the status may have moved on since: accepted, then cancelled). What was written is announced on the
 * live channel (delivered at commit): each notification to its recipient and, when `bookings` says so, the
 * booking's new state to both parties (one service announces each event's booking, so a tab gets it once).
 */
async function notify (tx: Client, events: Array<DecodedEvent<AnyPayload>>, looked: unknown[] | undefined, party: Party, bookings: (e: DecodedEvent<AnyPayload>) => boolean) {
  const trusted = await believe(tx, events, looked)
  const notices = trusted.flatMap(({ facts, recorded }, i) => {
    const change = changeOf(recorded)
    if (!audience(change, recorded).includes(party)) return []
    const reader = readerOf(facts, party)
    const { sentence } = describeChange(change, party, facts, reader)
    return [{ userId: reader.userId, type: notificationType(change), bookingId: facts.booking_id!, eventId: events[i].id, message: sentence }]
  })
  const changed = new Map(trusted.filter((_, i) => bookings(events[i])).map(t => [t.facts.booking_id!, t.facts]))
  const parties = [...changed.values()].map((b): [number, number, number] => [b.booking_id!, b.traveler_id, b.owner_id])
  // Usually one round trip writes and announces (one NOTIFY's worth, tracing off); else signalLive's chunks after.
  if (notices.length > 0 && notices.length <= CHUNK && parties.length <= CHUNK && !tracing()) {
    await insertNotifications(tx, notices, { bookings: parties })
    return
  }
  const rows = await insertNotifications(tx, notices)
  await signalLive(tx, {
    notifications: rows.map(r => [r.id, r.user_id]),
    bookings: parties,
    traces: tracing() ? tracesOf(events, rows) : undefined
  })
}

/** Each notification's event's traceparent (its processing span's), for the live push's span. */
function tracesOf (events: Array<DecodedEvent<AnyPayload>>, rows: Array<{ id: number, event_id: string }>) {
  const byEvent = new Map(events.map(e => [e.id, traceparentOf(eventContext(e))]))
  return Object.fromEntries(rows.flatMap(r => byEvent.get(r.event_id) ? [[r.id, byEvent.get(r.event_id)!]] : []))
}

/**
 * The owner service: a request (booking-created), and since issue 17 the changes of booking-status-updated the
 * owner did not make (a withdrawn request, a cancelled stay, an expiry). It announces the booking of a request;
 * the traveler service announces those of status changes.
 */
export const ownerService: ConsumerSpec<AnyPayload> = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  topics: [TOPICS.created, TOPICS.statusUpdated],
  decode: (message, topic) => decoders[topic as keyof typeof decoders](message),
  lookUp: eventFacts,
  handle: (tx, events, looked) => notify(tx, events, looked, 'owner', e => e.topic === TOPICS.created)
}

/** The traveler service: the changes of booking-status-updated the traveler did not make. */
export const travelerService: ConsumerSpec<AnyPayload> = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  decode: decoders[TOPICS.statusUpdated] as ConsumerSpec<AnyPayload>['decode'],
  lookUp: eventFacts,
  handle: (tx, events, looked) => notify(tx, events, looked, 'traveler', e => e.topic === TOPICS.statusUpdated)
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
