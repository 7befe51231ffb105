import type { Booking } from './types.ts'

// Shapes of api.md's Notifications (read state, Live) and Owner analytics, written by hand from the contract
// while those endpoints are built on other branches: once they are in the OpenAPI document, `npm run web:types`
// generates them and these become aliases of the generated types.

export interface Notification {
  id: number
  type: 'booking_requested' | 'booking_accepted' | 'booking_cancelled'
  booking_id: number
  message: string
  created_at: string
  read_at: string | null
}

export interface NotificationsPage {
  notifications: Notification[]
  next_cursor: string | null
  /** Sent once the read state exists (api.md); absent from older servers. */
  unread_count?: number
}

export type LiveMessage =
  | { type: 'notification', notification: Notification }
  | { type: 'booking', booking: Booking }
  | { type: 'ready', unread_count: number }

export interface Figures {
  requests: number
  accepted: number
  cancelled: number
  expired: number
  nights_booked: number
  revenue: number
  occupancy: number
  median_response_minutes: number | null
}

export interface Analytics {
  totals: Figures
  by_day: Array<Figures & { date?: string, day?: string }>
  by_property: Array<Figures & { property_id: number, property_name?: string, name?: string }>
}
