import type { User } from '../auth/users.ts'
import { transaction, type Client, type Pool, type Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { appError, badRequest, forbidden, notFound } from '../errors.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { traceparentOf } from '../tracing/spans.ts'
import { TOPICS } from './events.ts'
import type { Action, BookingInput } from './schemas.ts'

const COLUMNS = 'id, property_id, traveler_id, start_date, end_date, num_guests, status, total_price, reason, previous_status, created_at, updated_at'
const B_COLUMNS = COLUMNS.split(', ').map(c => `b.${c}`).join(', ')
/** A transition's booking, with the currency of its total (the property's). */
const WITH_CURRENCY = `(booking).*, (SELECT p.currency FROM properties p WHERE p.id = (booking).property_id) AS currency,
  booking_price(booking) AS price`

const datesTaken = () => appError('DATES_UNAVAILABLE')

/**
 * What else a change writes, in its transaction, once the stored function has made it (a message with it: the
 * assembly gives the messages feature's). It may refuse (throw): the change is then rolled back with it.
 */
export type AlongWith = (tx: Client, booking: { id: number }) => Promise<void>

/** Runs the change on the pool, or, with something to write along with it, in a transaction with that. */
async function change<B extends { id: number }> (pool: Pool, along: AlongWith | undefined, fn: (db: Queryable) => Promise<B>): Promise<B> {
  const booking = along ? await transaction(pool, async tx => { const b = await fn(tx); await along(tx, b); return b }) : await fn(pool)
  wakeRelay(pool)
  return booking
}

// The rules of a booking (who may do what, from which status, what it locks, which events it writes) are in
// booking.sql, one stored function per transition, each one round trip. Here: calling them, and turning their
// outcome into a reply or an HTTP error. in_trace() hands the request's traceparent (tracing on) to the outbox rows
// they write (migration 070).

export async function createBooking (pool: Pool, travelerId: number, input: BookingInput, along?: AlongWith) {
  checkStay(input.start_date, input.end_date)
  return change(pool, along, db => requestOn(db, travelerId, input))
}

async function requestOn (db: Queryable, travelerId: number, input: BookingInput) {
  const { rows: [r] } = await db.query({
    name: 'request-booking',
    text: `SELECT outcome, bound, ${WITH_CURRENCY} FROM request_booking($1, $2, $3, $4, $5, in_trace($6, $7))`,
    values: [input.property_id, travelerId, input.start_date, input.end_date, input.num_guests, TOPICS.created, traceparentOf()]
  })
  switch (r.outcome) {
    case 'no_property': throw notFound('Property')
    case 'own_property': throw appError('OWN_PROPERTY')
    case 'unlisted': throw appError('PROPERTY_UNLISTED')
    case 'too_many_guests': throw badRequest({ sentence: `This place holds at most ${r.bound} ${r.bound === 1 ? 'guest' : 'guests'}.` }, 'num_guests')
    case 'too_few_nights': throw badRequest({ sentence: `This place takes stays of at least ${r.bound} nights.` }, 'end_date')
    case 'dates_taken': throw datesTaken()
    case 'dates_blocked': throw appError('DATES_BLOCKED')
  }
  const { outcome: _, bound: __, ...booking } = r
  return booking
}

export async function acceptBooking (pool: Pool, owner: User, bookingId: string, along?: AlongWith) {
  return change(pool, along, db => acceptOn(db, owner, bookingId))
}

async function acceptOn (db: Queryable, owner: User, bookingId: string) {
  const { rows: [r] } = await db.query({
    name: 'accept-booking',
    text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM accept_booking($1, $2, in_trace($3, $4))`,
    values: [bookingId, owner.id, TOPICS.statusUpdated, traceparentOf()]
  })
  switch (r.outcome) {
    case 'not_found': throw notFound('Booking')
    case 'forbidden': throw forbidden('This booking is not for one of your properties.')
    case 'invalid_transition': throw invalidTransition(r.current_status, 'accepted')
    case 'dates_taken': throw datesTaken()
    case 'dates_blocked': throw appError('DATES_BLOCKED')
  }
  const { outcome: _, current_status: __, ...booking } = r
  return booking
}

export async function cancelBooking (pool: Pool, user: User, bookingId: string, along?: AlongWith) {
  return change(pool, along, db => cancelOn(db, user, bookingId))
}

async function cancelOn (db: Queryable, user: User, bookingId: string) {
  const { rows: [r] } = await db.query({
    name: 'cancel-booking',
    text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM cancel_booking($1, $2, in_trace($3, $4))`,
    values: [bookingId, user.id, TOPICS.statusUpdated, traceparentOf()]
  })
  switch (r.outcome) {
    case 'not_found': throw notFound('Booking')
    case 'forbidden': throw notParty(user)
    case 'invalid_transition': throw invalidTransition(r.current_status, 'cancelled')
  }
  const { outcome: _, current_status: __, ...booking } = r
  return booking
}

/** One booking for its page: the booking, its property, both parties, its history and what the caller may do. */
export async function getBooking (db: Queryable, user: User, bookingId: string) {
  const { rows: [row] } = await db.query({
    name: 'booking-detail',
    text: `SELECT ${B_COLUMNS}, p.currency, booking_price(b) AS price, p.owner_id, p.name AS property_title, p.city, p.country,
                  json_build_object('id', t.id, 'name', t.name, 'about', t.about, 'city', t.city, 'languages', t.languages, 'avatar', t.avatar, 'deleted', t.deleted_at IS NOT NULL) AS traveler,
                  json_build_object('id', o.id, 'name', o.name, 'about', o.about, 'city', o.city, 'languages', o.languages, 'avatar', o.avatar, 'deleted', o.deleted_at IS NOT NULL) AS owner,
                  (SELECT coalesce(json_agg(json_build_object('status', h.status, 'reason', h.reason, 'at', iso_utc(h.at), 'by', h.by, 'cause', h.cause) ORDER BY h.id), '[]')
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
