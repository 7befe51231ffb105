import { PublicProfile } from '../auth/profile.ts'
import { Type, type Static } from 'typebox'
import { NextCursor, PageQuery } from '../http/paging.ts'
import { BodyId, CalendarDate, Timestamp } from '../http/schemas.ts'

export const BookingInput = Type.Object({
  property_id: BodyId,
  start_date: CalendarDate,
  end_date: CalendarDate,
  num_guests: Type.Integer({ minimum: 1, maximum: 100 })
}, { additionalProperties: false })
export type BookingInput = Static<typeof BookingInput>

export const Status = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('cancelled')])

export const CancelReason = Type.Union([Type.Literal('owner_declined'), Type.Literal('traveler_cancelled'), Type.Literal('dates_taken'), Type.Literal('expired')])
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const Booking = Type.Object({
  id: Type.Integer(),
  property_id: Type.Integer(),
  traveler_id: Type.Integer(),
  start_date: Type.String(),
  end_date: Type.String(),
  num_guests: Type.Integer(),
  status: Status,
  total_price: Type.Number(),
  price: Type.Optional(Type.Object({
    nights: Type.Integer(),
    nightly_price: Type.String(),
    nights_total: Type.String(),
    cleaning_fee: Type.String(),
    tax_rate: Type.String({ description: 'a percentage: "7.50" is 7.5 %' }),
    taxes: Type.String(),
    total: Type.String({ description: 'total_price, exact' })
  }, { description: 'the price it was requested at, item by item, amounts as exact decimal strings; in the replies of a request, an accept, a cancel and GET /api/bookings/{id}' })),
  currency: Type.String({ description: 'ISO 4217 code of total_price: the property\'s currency' }),
  reason: Nullable(Type.Union([...CancelReason.anyOf], { description: 'why it was cancelled; null unless cancelled' })),
  previous_status: Nullable(Type.Union([Type.Literal('pending'), Type.Literal('accepted')], {
    description: 'what it was when cancelled; null unless cancelled (or cancelled before Hostly recorded it)'
  })),
  created_at: Timestamp,
  updated_at: Timestamp
})

export const BookingReply = Type.Object({ booking: Booking })

export const Action = Type.Union([Type.Literal('accept'), Type.Literal('decline'), Type.Literal('withdraw'), Type.Literal('cancel')])
export type Action = Static<typeof Action>

/** GET /api/bookings/:id: the booking with what its page shows, and what the caller may do with it now. */
export const BookingDetail = Type.Object({
  booking: Booking,
  property: Type.Object({ id: Type.Integer(), title: Type.String(), city: Type.String(), country: Type.String(), currency: Type.String() }),
  traveler: PublicProfile,
  owner: PublicProfile,
  history: Type.Array(Type.Object({
    status: Status,
    reason: Nullable(Type.Union([...CancelReason.anyOf])),
    at: Timestamp,
    by: Nullable(Type.Union([Type.Literal('traveler'), Type.Literal('owner'), Type.Literal('hostly')], {
      description: 'who made the change; hostly: an expiry, or another stay accepted over it; null only for changes made before Hostly recorded who'
    })),
    cause: Nullable(Type.Literal('account_deleted', {
      description: "account_deleted: the change was made because its maker (by) deleted their account; null: the change's own story"
    }))
  }), { description: 'every status the booking had, oldest first' }),
  actions: Type.Array(Action, {
    description: 'what the caller may do now: the owner accept or decline a pending request, or cancel an accepted stay; the traveler withdraw a pending request or cancel an accepted stay. decline, withdraw and cancel are POST /api/bookings/{id}/cancel'
  })
})
export const TravelerBookings = Type.Object({
  bookings: Type.Array(Type.Object({ ...Booking.properties, property_name: Type.String() })),
  next_cursor: NextCursor
})
export const OwnerBookings = Type.Object({
  bookings: Type.Array(Type.Object({ ...Booking.properties, property_name: Type.String(), traveler_name: Type.String() })),
  next_cursor: NextCursor
})
export const TravelerBookingsQuery = Type.Object(PageQuery, { additionalProperties: false })
export const OwnerBookingsQuery = Type.Object({ status: Type.Optional(Status), ...PageQuery }, { additionalProperties: false })
