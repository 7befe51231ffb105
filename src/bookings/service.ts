import type { User } from '../auth/users.ts'
import { transaction, type Pool, type Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { appError, badRequest, forbidden, notFound } from '../errors.ts'
import { recordStatusChanges, wakeRelay } from '../outbox/writer.ts'
import type { BookingInput } from './schemas.ts'

const COLUMNS = 'id, property_id, traveler_id, start_date, end_date, num_guests, status, total_price, created_at, updated_at'
const B_COLUMNS = COLUMNS.split(', ').map(c => `b.${c}`).join(', ')

const datesTaken = () => appError('DATES_UNAVAILABLE')

// Locking, in one order everywhere so that no two transactions wait on each other in a cycle:
//   creating a request takes the property FOR SHARE (creations run side by side; see request_booking);
//   accepting takes the property FOR NO KEY UPDATE, then the booking (accept_booking); so an accept waits for the
//   creations in flight, sees them, and cancels the overlapping ones, and later creations see the accept.
//   The exclusion constraint bookings_no_overlap stays the last word on double booking.

export async function createBooking (pool: Pool, travelerId: number, input: BookingInput) {
  checkStay(input.start_date, input.end_date)
  // request_booking (migrations/003) locks, checks, inserts and records the event in one round trip.
  const { rows: [r] } = await pool.query({
    name: 'request-booking',
    text: 'SELECT outcome, max_guests, (booking).* FROM request_booking($1, $2, $3, $4, $5)',
    values: [input.property_id, travelerId, input.start_date, input.end_date, input.num_guests]
  })
  switch (r.outcome) {
    case 'no_property': throw notFound('Property')
    case 'too_many_guests': throw badRequest(`must be at most ${r.max_guests}, the guests this property holds`, 'num_guests')
    case 'dates_taken': throw datesTaken()
  }
  wakeRelay(pool)
  const { outcome: _, max_guests: __, ...booking } = r
  return booking
}

export async function acceptBooking (pool: Pool, owner: User, bookingId: string) {
  // accept_booking (migrations/004) locks, checks, accepts, cancels the overlapping requests and records
  // every event in one round trip.
  const { rows: [r] } = await pool.query({
    name: 'accept-booking',
    text: 'SELECT outcome, current_status, (booking).* FROM accept_booking($1, $2)',
    values: [bookingId, owner.id]
  })
  switch (r.outcome) {
    case 'not_found': throw notFound('Booking')
    case 'forbidden': throw forbidden('This booking is not for one of your properties.')
    case 'invalid_transition': throw invalidTransition(r.current_status, 'accepted')
    case 'dates_taken': throw datesTaken()
  }
  wakeRelay(pool)
  const { outcome: _, current_status: __, ...booking } = r
  return booking
}

export async function cancelBooking (pool: Pool, user: User, bookingId: string) {
  const cancelled = await transaction(pool, async tx => {
    const { rows: [booking] } = await tx.query(
      `SELECT ${B_COLUMNS}, p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id
        WHERE b.id = $1 FOR UPDATE OF b`, [bookingId])
    if (!booking) throw notFound('Booking')
    assertParty(user, booking)
    if (booking.status === 'cancelled') throw invalidTransition(booking.status, 'cancelled')
    const { rows: [cancelled] } = await tx.query(
      `UPDATE bookings SET status = 'cancelled', updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [bookingId])
    await recordStatusChanges(tx, [cancelled.id])
    return cancelled
  })
  wakeRelay(pool)
  return cancelled
}

export async function getBooking (db: Queryable, user: User, bookingId: string) {
  const { rows: [booking] } = await db.query(
    `SELECT ${B_COLUMNS}, p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1`,
    [bookingId])
  if (!booking) throw notFound('Booking')
  assertParty(user, booking)
  return booking
}

export async function travelerBookings (db: Queryable, travelerId: number) {
  const { rows } = await db.query(
    `SELECT ${B_COLUMNS}, p.name AS property_name FROM bookings b JOIN properties p ON p.id = b.property_id
      WHERE b.traveler_id = $1 ORDER BY b.created_at DESC, b.id DESC`, [travelerId])
  return rows
}

export async function ownerBookings (db: Queryable, ownerId: number, status?: string) {
  const { rows } = await db.query(
    `SELECT ${B_COLUMNS}, p.name AS property_name, u.name AS traveler_name
       FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users u ON u.id = b.traveler_id
      WHERE p.owner_id = $1 AND ($2::text IS NULL OR b.status = $2)
      ORDER BY b.created_at DESC, b.id DESC`, [ownerId, status ?? null])
  return rows
}

/** Only the booking's traveler and its property's owner may see or cancel it. */
function assertParty (user: User, booking: { traveler_id: number, owner_id: number }) {
  const mine = user.role === 'traveler' ? booking.traveler_id === user.id : booking.owner_id === user.id
  if (!mine) throw forbidden(user.role === 'traveler' ? 'This is not your booking.' : 'This booking is not for one of your properties.')
}

function invalidTransition (from: string, to: string) {
  return appError('INVALID_STATUS_TRANSITION', { from, to })
}
