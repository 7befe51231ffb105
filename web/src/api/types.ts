import type { components, operations } from './openapi.d.ts'

// The API's shapes, taken from the types generated from its OpenAPI document (openapi.d.ts): when the API
// changes, `npm run web:types` regenerates them and the type checker finds every page that must follow.

type Json<O extends keyof operations, S extends number> =
  operations[O]['responses'] extends Record<S, { content: { 'application/json': infer B } }> ? B : never

export type User = Json<'login', 200>['user']
export type Property = Json<'getProperty', 200>['property']
export type PropertyInput = NonNullable<operations['createProperty']['requestBody']>['content']['application/json']
export type SearchReply = Json<'searchProperties', 200>
export type TakenReply = Json<'getTakenDates', 200>
export type Booking = Json<'getBooking', 200>['booking']
export type BookingInput = NonNullable<operations['createBooking']['requestBody']>['content']['application/json']
export type TravelerBooking = Json<'listMyBookings', 200>['bookings'][number]
export type OwnerBooking = Json<'listOwnerBookings', 200>['bookings'][number]
export type Role = User['role']
export type ErrorBody = components['schemas']['ErrorBody']
export type NotificationsPage = Json<'listNotifications', 200>
export type Notification = NotificationsPage['notifications'][number]
export type Analytics = Json<'getOwnerAnalytics', 200>
export type Figures = Analytics['totals']

export type BookingDetail = Json<'getBooking', 200>
export type Reason = NonNullable<Booking['reason']>
export type Status = Booking['status']
/** Why a booking is as it is: part of every booking the API gives (kept as its own name for the pages' types). */
export type Why = Pick<Booking, 'reason' | 'previous_status' | 'currency'>
export type Action = BookingDetail['actions'][number]
export type Reader = User
export type Photo = Property['photos'][number]
export type Variant = Photo['variants'][number]
export type Avatar = User['avatar']

export type ThreadList = Json<'listThreads', 200>
export type Thread = ThreadList['threads'][number]
export type MessagePage = Json<'listMessages', 200>
export type Message = MessagePage['messages'][number]

export type CalendarReply = Json<'getCalendar', 200>
export type Block = Json<'listBlocks', 200>['blocks'][number]
export type QuoteReply = Json<'getQuote', 200>
export type Price = QuoteReply['price']

export type StayReviews = Json<'getStayReviews', 200>
export type Review = NonNullable<StayReviews['mine']>
export type PropertyReviewsPage = Json<'listPropertyReviews', 200>
export type WrittenReview = Json<'writeReview', 201>
