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

// Issue 17's contract between the server and the web app (why a booking was cancelled, its currency, the booking
// page's detail, the reader's locale and time zone). Written by hand until the OpenAPI document carries them.
export type Reason = 'owner_declined' | 'traveler_cancelled' | 'dates_taken' | 'expired'
export type Status = Booking['status']
export interface Why { reason?: Reason | null, previous_status?: 'pending' | 'accepted' | null, currency?: string }
export type Action = 'accept' | 'decline' | 'withdraw' | 'cancel'
export interface BookingDetail {
  booking: Booking & Why
  property: { id: number, title: string, city: string, country: string, currency: string }
  traveler: { id: number, name: string }
  owner: { id: number, name: string }
  history: Array<{ status: Status, reason: Reason | null, at: string, by: 'traveler' | 'owner' | 'hostly' }>
  actions: Action[]
}
export type Reader = User & { locale?: string, time_zone?: string }
