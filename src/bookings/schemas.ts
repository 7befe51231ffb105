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

export const Booking = Type.Object({
  id: Type.Integer(),
  property_id: Type.Integer(),
  traveler_id: Type.Integer(),
  start_date: Type.String(),
  end_date: Type.String(),
  num_guests: Type.Integer(),
  status: Status,
  total_price: Type.Number(),
  created_at: Timestamp,
  updated_at: Timestamp
})

export const BookingReply = Type.Object({ booking: Booking })
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
