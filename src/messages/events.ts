import { Type, type Static } from 'typebox'
import { eventDecoder } from '../kafka/consumer/decode.ts'

/** The topic of conversations: one record per message, key = thread id, so a thread's messages keep their order. */
export const MESSAGE_TOPICS = { sent: 'message-sent' } as const
/** Its payload's version (the relay writes one event-version for every topic: bookings' is the same, 1). */
export const MESSAGE_EVENT_VERSION = '1'

const Id = Type.Integer({ minimum: 1 })
const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })

/**
 * message-sent: who wrote to whom in which thread. The text is not in the event: it stays in PostgreSQL, where the
 * consumers read it (and so every copy of a record on the retry and dead-letter topics stays free of it).
 */
export const MessageSent = Type.Object({
  id: Id,
  thread_id: Id,
  sender_id: Id,
  recipient_id: Id,
  property_id: Id,
  booking_id: Type.Union([Id, Type.Null()]),
  created_at: Iso,
  timestamp: Iso
})
export type MessageSent = Static<typeof MessageSent>

export const decodeMessageSent = eventDecoder(MESSAGE_TOPICS.sent, MESSAGE_EVENT_VERSION, MessageSent)
