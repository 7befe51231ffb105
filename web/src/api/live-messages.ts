import type { Booking, Notification } from './types.ts'

// The one shape the OpenAPI document does not give: the messages of the live socket, a WebSocket, written by hand
// from docs/http.md (Live updates).

export type LiveMessage =
  | { type: 'notification', notification: Notification }
  | { type: 'booking', booking: Booking }
  | { type: 'ready', unread_count: number }
