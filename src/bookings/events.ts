import { Type, type Static } from 'typebox'
import { eventDecoder, type Decoder } from '../kafka/consumer/decode.ts'

/**
 * The two topics of the seed, and the version of the payloads below. The one place topic names are written: the
 * stored functions of booking.sql take them as parameters (service.ts and expiry.ts pass them).
 */
export const TOPICS = { created: 'booking-created', statusUpdated: 'booking-status-updated' } as const
export const EVENT_VERSION = '1'

const Id = Type.Integer({ minimum: 1 })
const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

// The payloads, as consumers check them. The database builds them (booking_created_payload and
// booking_status_payload in booking.sql), in the transaction of the change they describe.
// Fields may be added later, never removed or renamed: consumers accept additional properties.
export const BookingCreated = Type.Object({
  id: Id,
  property_id: Id,
  traveler_id: Id,
  start_date: Day,
  end_date: Day,
  num_guests: Type.Integer({ minimum: 1 }),
  status: Type.Literal('pending'),
  total_price: Type.Number(),
  created_at: Iso,
  timestamp: Iso
})
export type BookingCreated = Static<typeof BookingCreated>

/** Why a booking was cancelled, in booking-status-updated (booking.sql writes it; absent when accepted). */
const CancelReason = Type.Union([
  Type.Literal('owner_declined'), Type.Literal('traveler_cancelled'), Type.Literal('dates_taken'), Type.Literal('expired')
])
export type CancelReason = Static<typeof CancelReason>

/** What a cancelled booking was before (booking.sql writes it with the reason; absent when accepted). */
const PreviousStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted')])
export type PreviousStatus = Static<typeof PreviousStatus>

export const BookingStatusUpdated = Type.Object({
  id: Id,
  property_id: Id,
  traveler_id: Id,
  status: Type.Union([Type.Literal('accepted'), Type.Literal('cancelled')]),
  updated_at: Iso,
  timestamp: Iso,
  reason: Type.Optional(CancelReason),
  // Added in issue 17 without a new event-version: an added optional field breaks no consumer (docs/events.md).
  previous_status: Type.Optional(PreviousStatus)
})
export type BookingStatusUpdated = Static<typeof BookingStatusUpdated>

/** The payload type of each topic. */
export interface EventPayloads {
  [TOPICS.created]: BookingCreated
  [TOPICS.statusUpdated]: BookingStatusUpdated
}
export type EventTopic = keyof EventPayloads

/** Each topic's decoder: a record in, the typed event (or why it is poison) out. */
export const decoders: { readonly [T in EventTopic]: Decoder<EventPayloads[T]> } = {
  [TOPICS.created]: eventDecoder(TOPICS.created, EVENT_VERSION, BookingCreated),
  [TOPICS.statusUpdated]: eventDecoder(TOPICS.statusUpdated, EVENT_VERSION, BookingStatusUpdated)
}
