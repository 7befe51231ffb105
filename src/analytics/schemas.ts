import { Type } from 'typebox'
import { CalendarDate } from '../http/schemas.ts'

export const AnalyticsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date', maxLength: 10, description: 'first day (UTC), YYYY-MM-DD; default: 29 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date', maxLength: 10, description: 'last day (UTC), included; default: today' })),
  property_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'one of your properties; default: all of them' }))
}, { additionalProperties: false })

const figures = {
  requests: Type.Integer({ description: 'booking requests made' }),
  accepted: Type.Integer({ description: 'requests accepted' }),
  cancelled: Type.Integer({ description: 'bookings cancelled (declined, by the traveler, or dates taken), not expired' }),
  expired: Type.Integer({ description: 'requests cancelled for want of an answer within the pending time' }),
  nights_booked: Type.Integer({ description: 'nights of accepted stays, not cancelled since, that fall in the range' }),
  revenue: Type.Number({ description: 'total_price of the bookings accepted, on the day of acceptance' }),
  occupancy: Type.Number({ description: 'nights_booked ÷ nights available (days × properties), 0 to 1' }),
  median_response_minutes: Type.Union([Type.Number(), Type.Null()], { description: "request → the owner's accept or decline, minutes; null without any" })
}

export const Figures = Type.Object(figures)
export const AnalyticsReply = Type.Object({
  from: CalendarDate,
  to: CalendarDate,
  totals: Figures,
  by_day: Type.Array(Type.Object({ date: CalendarDate, ...figures }), { description: 'every day of the range, oldest first' }),
  by_property: Type.Array(Type.Object({ property_id: Type.Integer(), ...figures }), { description: 'each property asked for, by id' })
})
