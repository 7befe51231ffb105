import type { Booking, Notification } from './types.ts'

// The one shape the OpenAPI document does not give: the messages of api.md's Live socket (a WebSocket, outside
// OpenAPI), written by hand from the contract.

export type LiveMessage =
  | { type: 'notification', notification: Notification }
  | { type: 'booking', booking: Booking }
  | { type: 'ready', unread_count: number }
