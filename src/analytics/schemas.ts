import { Type } from 'typebox'
import { CalendarDate } from '../http/schemas.ts'

export const AnalyticsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date', maxLength: 10, description: 'first day (UTC), YYYY-MM-DD; default: 29 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date', maxLength: 10, description: 'last day (UTC), included; default: today' })),
  property_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'one of your properties; default: all of them' }))
}, { additionalProperties: false })

// What each figure means is said here, in docs/http.md and docs/operations.md, and on the analytics page.
const figures = {
  requests: Type.Integer({ description: 'booking requests made, counted on the day of the request' }),
  accepted: Type.Integer({ description: 'requests accepted, on the day of acceptance' }),
  cancelled: Type.Integer({ description: 'cancellations other than expiries, on the day of the cancel: declined + withdrawn + cancelled_by_traveler + cancelled_by_owner + dates_taken' }),
  expired: Type.Integer({ description: 'requests cancelled for want of an answer within the pending time' }),
  declined: Type.Integer({ description: 'requests the owner declined' }),
  withdrawn: Type.Integer({ description: 'requests the traveler withdrew before an answer' }),
  cancelled_by_traveler: Type.Integer({ description: 'accepted stays the traveler cancelled' }),
  cancelled_by_owner: Type.Integer({ description: 'accepted stays the owner cancelled' }),
  dates_taken: Type.Integer({ description: 'requests cancelled because an overlapping stay was accepted' }),
  nights_booked: Type.Integer({ description: 'nights stayed within the period: each night of an accepted stay, not cancelled since, that falls in it' }),
  revenue: Type.Number({ description: 'the price of the nights booked: each night of such a stay counts total_price ÷ its nights, on that night' }),
  listed_nights: Type.Integer({ description: 'nights of the period on which the properties were listed (from the day each was listed)' }),
  occupancy: Type.Number({ description: 'nights_booked ÷ listed_nights, 0 to 1 (0 without listed nights), to four decimals' }),
  median_response_minutes: Type.Union([Type.Number(), Type.Null()], { description: "request → the owner's accept or decline, minutes (to 0.001); null without any" })
}

export const Figures = Type.Object(figures)
export const AnalyticsReply = Type.Object({
  from: CalendarDate,
  to: CalendarDate,
  totals: Figures,
  by_day: Type.Array(Type.Object({ date: CalendarDate, ...figures }), { description: 'every day of the range, oldest first' }),
  by_property: Type.Array(Type.Object({
    property_id: Type.Integer(),
    ...figures,
    messages: Type.Integer({ description: 'messages written about the property, by its guests and by you, since it was listed (not only in the range)' }),
    reviews: Type.Integer({ description: "its guests' published reviews, since it was listed" }),
    average_rating: Type.Union([Type.Number(), Type.Null()], { description: "its guests' average rating, 1 to 5, to two decimals; null without reviews" })
  }), { description: 'each property asked for, by id' })
})
