import type { BookingCreated, BookingStatusUpdated } from '../bookings/events.ts'
import { TOPICS } from '../bookings/events.ts'
import type { Client } from '../db/pool.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'

// The seed's two back-end services. Each turns one event into one notification; the consumer runner
// makes "one" hold however often Kafka delivers the event.

/** Names for the notification text: the property and the traveler of a booking. */
async function names (tx: Client, bookingId: number) {
  const { rows: [row] } = await tx.query(
    `SELECT p.name AS property, p.owner_id, u.name AS traveler, b.start_date, b.end_date
       FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users u ON u.id = b.traveler_id
      WHERE b.id = $1`, [bookingId])
  if (!row) throw new Error(`booking ${bookingId} does not exist`)
  return row as { property: string, owner_id: number, traveler: string, start_date: string, end_date: string }
}

async function notify (tx: Client, userId: number, type: string, bookingId: number, eventId: string, message: string) {
  await tx.query(
    'INSERT INTO notifications (user_id, type, booking_id, event_id, message) VALUES ($1, $2, $3, $4, $5)',
    [userId, type, bookingId, eventId, message])
}

export const ownerService: ConsumerSpec = {
  name: 'owner',
  group: 'owner-service-group',
  topic: TOPICS.created,
  async handle (tx, event) {
    const e = event.payload as BookingCreated
    const n = await names(tx, e.id)
    const guests = e.num_guests === 1 ? '1 guest' : `${e.num_guests} guests`
    await notify(tx, n.owner_id, 'booking_requested', e.id, event.id,
      `${n.traveler} requested ${n.property} from ${e.start_date} to ${e.end_date} for ${guests}.`)
  }
}

export const travelerService: ConsumerSpec = {
  name: 'traveler',
  group: 'traveler-service-group',
  topic: TOPICS.statusUpdated,
  async handle (tx, event) {
    const e = event.payload as BookingStatusUpdated
    const n = await names(tx, e.id)
    await notify(tx, e.traveler_id, `booking_${e.status}`, e.id, event.id,
      `Your booking at ${n.property} from ${n.start_date} to ${n.end_date} was ${e.status}.`)
  }
}

export const services = { owner: ownerService, traveler: travelerService }
export type ServiceName = keyof typeof services
