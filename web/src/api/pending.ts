import type { Booking, Notification } from './types.ts'

// Shapes the OpenAPI document does not give: the messages of api.md's Live socket (a WebSocket, outside
// OpenAPI), and Owner analytics, written by hand from the contract while that endpoint is built on another
// branch (once it is in the document, `npm run web:types` generates it and this becomes an alias).

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
  from: string
  to: string
  totals: Figures
  by_day: Array<Figures & { date: string }>
  by_property: Array<Figures & { property_id: number }>
}
