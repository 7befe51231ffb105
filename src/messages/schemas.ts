import { Type } from 'typebox'
import { NextCursor, PageQuery } from '../http/paging.ts'
import { BodyId, NullableTimestamp, Timestamp } from '../http/schemas.ts'
import { MAX_MESSAGE_LENGTH } from './text.ts'

/** A message's text as a request carries it: checked further by text.ts (empty, control and direction characters). */
export const MessageText = Type.String({
  minLength: 1,
  // In UTF-16 units, twice the limit in characters: text.ts counts characters and says how many there are.
  maxLength: MAX_MESSAGE_LENGTH * 2,
  description: `the message: 1 to ${MAX_MESSAGE_LENGTH} characters, line breaks and tabs allowed, no other control or text-direction characters; shown as text, never as HTML`
})

export const MessageInput = Type.Object({ text: MessageText }, { additionalProperties: false })

export const Message = Type.Object({
  id: Type.Integer(),
  thread_id: Type.Integer(),
  sender_id: Type.Integer(),
  text: Type.String(),
  created_at: Timestamp
})
export const MessageReply = Type.Object({ message: Message })

const Party = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  deleted: Type.Boolean({ description: 'true: the other party deleted their account; messages can no longer reach them (409 ACCOUNT_DELETED)' })
})

/** A thread as its inbox line and its page show it, for one of its parties (the reader). */
export const Thread = Type.Object({
  id: Type.Integer(),
  property: Type.Object({ id: Type.Integer(), title: Type.String() }),
  booking_id: Type.Union([Type.Integer(), Type.Null()], { description: 'the booking it is about; null for a question asked before any request' }),
  other: Party,
  last_message: Type.Union([Type.Object({
    id: Type.Integer(),
    sender_id: Type.Integer(),
    text: Type.String({ description: 'its first 200 characters' }),
    created_at: Timestamp
  }), Type.Null()]),
  unread_count: Type.Integer({ description: "the other party's messages the reader has not read" }),
  other_read_id: Type.Integer({ description: 'the newest message the other party has read (0: none): the reader\'s messages up to it show "read"' }),
  other_read_at: NullableTimestamp
})

export const ThreadsQuery = Type.Object({
  booking_id: Type.Optional(BodyId),
  ...PageQuery
}, { additionalProperties: false })

export const ThreadList = Type.Object({
  threads: Type.Array(Thread),
  next_cursor: NextCursor,
  unread_count: Type.Integer({ description: 'unread messages in all of the reader\'s threads' })
})

export const MessagesQuery = Type.Object(PageQuery, { additionalProperties: false })
export const MessagePage = Type.Object({
  thread: Thread,
  messages: Type.Array(Message, { description: 'newest first: the next page goes further back' }),
  next_cursor: NextCursor
})

export const ReadReply = Type.Object({
  thread_id: Type.Integer(),
  last_read_id: Type.Integer(),
  unread_count: Type.Integer()
})
