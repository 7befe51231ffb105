import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

/** The two topics of the seed, and the version of the payloads below. */
export const TOPICS = { created: 'booking-created', statusUpdated: 'booking-status-updated' } as const
export type Topic = typeof TOPICS[keyof typeof TOPICS]
export const EVENT_VERSION = '1'

const Id = Type.Integer({ minimum: 1 })
const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

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

export const BookingStatusUpdated = Type.Object({
  id: Id,
  property_id: Id,
  traveler_id: Id,
  status: Type.Union([Type.Literal('accepted'), Type.Literal('cancelled')]),
  updated_at: Iso,
  timestamp: Iso
})
export type BookingStatusUpdated = Static<typeof BookingStatusUpdated>

export const payloadValidators = {
  [TOPICS.created]: Compile(BookingCreated),
  [TOPICS.statusUpdated]: Compile(BookingStatusUpdated)
}

interface BookingRow {
  id: number, property_id: number, traveler_id: number, start_date: string, end_date: string,
  num_guests: number, status: string, total_price: number, created_at: Date, updated_at: Date
}

export interface OutgoingEvent { topic: Topic, key: string, payload: object }

export function bookingCreated (b: BookingRow): OutgoingEvent {
  const payload: BookingCreated = {
    id: b.id,
    property_id: b.property_id,
    traveler_id: b.traveler_id,
    start_date: b.start_date,
    end_date: b.end_date,
    num_guests: b.num_guests,
    status: 'pending',
    total_price: b.total_price,
    created_at: b.created_at.toISOString(),
    timestamp: new Date().toISOString()
  }
  return { topic: TOPICS.created, key: String(b.id), payload }
}

export function bookingStatusUpdated (b: BookingRow): OutgoingEvent {
  const payload: BookingStatusUpdated = {
    id: b.id,
    property_id: b.property_id,
    traveler_id: b.traveler_id,
    status: b.status as BookingStatusUpdated['status'],
    updated_at: b.updated_at.toISOString(),
    timestamp: new Date().toISOString()
  }
  return { topic: TOPICS.statusUpdated, key: String(b.id), payload }
}
