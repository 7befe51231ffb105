import type { User } from '../auth/users.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { appError, badRequest, forbidden, notFound, unauthorized } from '../errors.ts'
import { traceparentOf } from '../tracing/spans.ts'
import { TOPICS } from './events.ts'
import type { Action, BookingInput } from './schemas.ts'
import { runTransition, type AlongWith } from './transition.ts'

export type { AlongWith } from './transition.ts'

const COLUMNS = 'id, property_id, traveler_id, start_date, end_date, num_guests, status, total_price, reason, previous_status, created_at, updated_at'
const B_COLUMNS = COLUMNS.split(', ').map(c => `b.${c}`).join(', ')
/** A transition's booking, with the currency of its total (the property's). */
const WITH_CURRENCY = `(booking).*, (SELECT p.currency FROM properties p WHERE p.id = (booking).property_id) AS currency,
  booking_price(booking) AS price`

const datesTaken = () => appError('DATES_UNAVAILABLE')
const datesBlocked = () => appError('DATES_BLOCKED')

// The rules of a booking (who may do what, from which status, what it locks, which events it writes) are in
// booking.sql, one stored function per transition, each one round trip. Here: calling them (runTransition), and
// what each refusing outcome means over HTTP. in_trace() hands the request's traceparent (tracing on) to the
// outbox rows they write (migration 070).

/**
 * A traveler's request. maxPending: how many pending requests a traveler may hold (MAX_PENDING_PER_TRAVELER;
 * request_booking() counts them); maxAdvanceDays: how far ahead a stay may start (BOOKING_MAX_ADVANCE_DAYS); each
 * left out, no limit.
 */
export async function createBooking (pool: Pool, travelerId: number, input: BookingInput,
  opts: { along?: AlongWith, maxPending?: number, maxAdvanceDays?: number } = {}) {
  checkStay(input.start_date, input.end_date, { maxAdvanceDays: opts.maxAdvanceDays })
  return runTransition(pool, {
    query: {
      name: 'request-booking',
      text: `SELECT outcome, bound, ${WITH_CURRENCY} FROM request_booking($1, $2, $3, $4, $5, in_trace($6, $7), $8)`,
      values: [input.property_id, travelerId, input.start_date, input.end_date, input.num_guests, TOPICS.created, traceparentOf(), opts.maxPending ?? null]
    },
    refusals: {
      // Deleted while this request was on its way (its session was checked before): signed out, as every later one.
      account_deleted: () => unauthorized(),
      no_property: () => notFound('Property'),
      own_property: () => appError('OWN_PROPERTY'),
      unlisted: () => appError('PROPERTY_UNLISTED'),
      too_many_guests: r => badRequest({ sentence: `This place holds at most ${r.bound} ${r.bound === 1 ? 'guest' : 'guests'}.` }, 'num_guests'),
      too_few_nights: r => badRequest({ sentence: `This place takes stays of at least ${r.bound} nights.` }, 'end_date'),
      dates_taken: datesTaken,
      dates_blocked: datesBlocked,
      too_many_pending: r => appError('TOO_MANY_PENDING_REQUESTS', { count: String(r.bound) })
    },
    details: ['bound']
  }, opts.along)
}

export async function acceptBooking (pool: Pool, owner: User, bookingId: string, along?: AlongWith) {
  return runTransition(pool, {
    query: {
      name: 'accept-booking',
      text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM accept_booking($1, $2, in_trace($3, $4))`,
      values: [bookingId, owner.id, TOPICS.statusUpdated, traceparentOf()]
    },
    refusals: {
      not_found: () => notFound('Booking'),
      forbidden: () => forbidden('This booking is not for one of your properties.'),
      invalid_transition: r => invalidTransition(r.current_status, 'accepted'),
      stay_begun: () => appError('REQUEST_DATES_PASSED'),
      dates_taken: datesTaken,
      dates_blocked: datesBlocked
    },
    details: ['current_status']
  }, along)
}

export async function cancelBooking (pool: Pool, user: User, bookingId: string, along?: AlongWith) {
  return runTransition(pool, {
    query: {
      name: 'cancel-booking',
      text: `SELECT outcome, current_status, ${WITH_CURRENCY} FROM cancel_booking($1, $2, in_trace($3, $4))`,
      values: [bookingId, user.id, TOPICS.statusUpdated, traceparentOf()]
    },
    refusals: {
      not_found: () => notFound('Booking'),
      forbidden: () => notParty(user),
      invalid_transition: r => invalidTransition(r.current_status, 'cancelled'),
      stay_begun: () => appError('STAY_STARTED')
    },
    details: ['current_status']
  }, along)
}

/** One booking for its page: the booking, its property, both parties, its history and what the caller may do. */
export async function getBooking (db: Queryable, user: User, bookingId: string) {
  const { rows: [row] } = await db.query({
    name: 'booking-detail',
    text: `SELECT ${B_COLUMNS}, p.currency, booking_price(b) AS price, stay_begun(b.start_date) AS begun, p.owner_id, p.name AS property_title, p.city, p.country,
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
  const { owner_id: ownerId, property_title: title, city, country, traveler, owner, history, begun, ...booking } = row
  return {
    booking,
    property: { id: booking.property_id, title, city, country, currency: booking.currency },
    // Each party's public profile, and nothing more: never the e-mail address (test/accounts.test.ts).
    traveler,
    owner,
    history,
    actions: actionsFor(user.id === ownerId ? 'owner' : 'traveler', booking.status, begun)
  }
}

/**
 * What a party may do with a booking in this status (booking_may_become in booking.sql has the moves), begun
 * being stay_begun() of it: a request whose first night has passed can be declined or withdrawn, not accepted; a
 * stay that has begun cannot be cancelled (accept_booking() and cancel_booking() refuse them).
 */
export function actionsFor (party: 'owner' | 'traveler', status: string, begun: boolean): Action[] {
  if (status === 'pending') return party === 'owner' ? (begun ? ['decline'] : ['accept', 'decline']) : ['withdraw']
  if (status === 'accepted' && !begun) return ['cancel']
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
