import type { Booking, Message, Notification } from './types.ts'

// The one shape the OpenAPI document does not give: the messages of the live socket, a WebSocket, written by hand
// from docs/http.md (Live updates).

export type LiveMessage =
  | { type: 'notification', notification: Notification }
  | { type: 'booking', booking: Booking }
  | { type: 'ready', unread_count: number }
  /** A message of the other party, with the thread's unread count for the reader. */
  | { type: 'message', message: Message & { unread_count: number } }
  /** The other party read the thread up to last_read_id. */
  | { type: 'thread_read', thread_read: { thread_id: number, last_read_id: number, read_at: string | null } }
