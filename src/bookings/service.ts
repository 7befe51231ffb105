import type { User } from '../auth/users.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { appError, badRequest, forbidden, notFound } from '../errors.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { TOPICS } from './events.ts'
import type { Action, BookingInput } from './schemas.ts'

const COLUMNS = 'id, property_id, traveler_id, start_date, end_date, num_guests, status, total_price, reason, previous_status, created_at, updated_at'
const B_COLUMNS = COLUMNS.split(', ').map(c => `b.${c}`).join(', ')
/** A transition's booking, with the currency of its total (the property's). */
const WITH_CURRENCY = '(booking).*, (SELECT p.currency FROM properties p WHERE p.id = (booking).property_id) AS currency'

const datesTaken = () => appError('DATES_UNAVAILABLE')

// The rules of a booking (who may do what, from which status, what it locks, which events it writes) are in
// booking.sql, one stored function per transition, each one round trip. Here: calling them, and turning their
// outcome into a reply or an HTTP error.

export async function createBooking (pool: Pool, travelerId: number, input: BookingInput) {
  checkStay(input.start_date, input.end_date)
  const { rows: [r] } = await pool.query({
    name: 'request-booking',
    text: `SELECT outcome, max_guests, ${WITH_CURRENCY} FROM request_booking($1, $2, $3, $4, $5, $6)`,
    values: [input.property_id, travelerId, input.start_date, input.end_date, input.num_guests, TOPICS.created]
  })
  switch (r.outcome) {
    case 'no_property': throw notFound('Property')
    case 'own_property': throw appError('OWN_PROPERTY')
    case 'too_many_guests': throw badRequest({ sentence: `This place holds at most ${r.max_guests} ${r.max_guests === 1 ? 'guest' : 'guests'}.` }, 'num_guests')
    case 'dates_taken': throw datesTaken()
  }
  wakeRelay(pool)
  const { outcome: _, max_guests: __, ...booking } = r
  return booking
}

export async function acceptBooking (pool: Pool, owner: User, bookingId: string) {
  const { rows: [r] } = await pool.query({
    name: 'accept-booking',
    text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM accept_booking($1, $2, $3)`,
    values: [bookingId, owner.id, TOPICS.statusUpdated]
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
  const { rows: [r] } = await pool.query({
    name: 'cancel-booking',
    text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM cancel_booking($1, $2, $3)`,
    values: [bookingId, user.id, TOPICS.statusUpdated]
  })
  switch (r.outcome) {
    case 'not_found': throw notFound('Booking')
    case 'forbidden': throw notParty(user)
    case 'invalid_transition': throw invalidTransition(r.current_status, 'cancelled')
  }
  wakeRelay(pool)
  const { outcome: _, current_status: __, ...booking } = r
  return booking
}

/** One booking for its page: the booking, its property, both parties, its history and what the caller may do. */
export async function getBooking (db: Queryable, user: User, bookingId: string) {
  const { rows: [row] } = await db.query({
    name: 'booking-detail',
    text: `SELECT ${B_COLUMNS}, p.currency, p.owner_id, p.name AS property_title, p.city, p.country,
                  json_build_object('id', t.id, 'name', t.name, 'about', t.about, 'city', t.city, 'languages', t.languages) AS traveler,
                  json_build_object('id', o.id, 'name', o.name, 'about', o.about, 'city', o.city, 'languages', o.languages) AS owner,
                  (SELECT coalesce(json_agg(json_build_object('status', h.status, 'reason', h.reason, 'at', iso_utc(h.at), 'by', h.by) ORDER BY h.id), '[]')
                     FROM booking_history h WHERE h.booking_id = b.id) AS history
             FROM bookings b JOIN properties p ON p.id = b.property_id
             JOIN users t ON t.id = b.traveler_id JOIN users o ON o.id = p.owner_id
            WHERE b.id = $1`,
    values: [bookingId]
  })
  if (!row) throw notFound('Booking')
  assertParty(user, row)
  const { owner_id: ownerId, property_title: title, city, country, traveler, owner, history, ...booking } = row
  return {
    booking,
    property: { id: booking.property_id, title, city, country, currency: booking.currency },
    // Each party's public profile, and nothing more: never the e-mail address (test/accounts.test.ts).
    traveler,
    owner,
    history,
    actions: actionsFor(user.id === ownerId ? 'owner' : 'traveler', booking.status)
  }
}

/** What a party may do with a booking in this status (booking_may_become in booking.sql has the moves). */
export function actionsFor (party: 'owner' | 'traveler', status: string): Action[] {
  if (status === 'pending') return party === 'owner' ? ['accept', 'decline'] : ['withdraw']
  if (status === 'accepted') return ['cancel']
  return []
}

/** Only the booking's traveler and its property's owner may see it (and cancel it: cancel_booking checks). */
function assertParty (user: User, booking: { traveler_id: number, owner_id: number }) {
  // Either side: an account that hosts and travels is the traveler of some bookings and the owner of others.
  if (booking.traveler_id !== user.id && booking.owner_id !== user.id) throw notParty(user)
}

function notParty (user: User) {
  return forbidden(user.role === 'owner' ? 'This booking is not for one of your properties.' : 'This is not your booking.')
}

function invalidTransition (from: string, to: string) {
  return appError('INVALID_STATUS_TRANSITION', { from, to })
}
