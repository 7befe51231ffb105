import type { User } from '../auth/users.ts'
import type { Client, Queryable } from '../db/pool.ts'
import { appError, notFound } from '../errors.ts'
import { MESSAGE_TOPICS } from './events.ts'

// Threads and messages in PostgreSQL. A message, its outbox row (message-sent, key = thread id) and the sender's
// read mark are one statement in the caller's transaction: the event exists if and only if the message does.

export interface ThreadRow { id: number, property_id: number, traveler_id: number, owner_id: number, booking_id: number | null }

const T_COLUMNS = 'id, property_id, traveler_id, owner_id, booking_id'

/** The thread, for one of its two parties; for anyone else it does not exist (404, as a thread id says nothing). */
export async function threadFor (db: Queryable, user: User, threadId: string): Promise<ThreadRow> {
  const { rows: [thread] } = await db.query({
    name: 'thread-for',
    text: `SELECT ${T_COLUMNS} FROM threads WHERE id = $1 AND (traveler_id = $2 OR owner_id = $2)`,
    values: [threadId, user.id]
  })
  if (!thread) throw notFound('Conversation')
  return thread
}

/** Both parties' rows of a new thread: the message service counts the recipient's unread there. */
async function withParties (tx: Client, thread: ThreadRow): Promise<ThreadRow> {
  await tx.query({
    name: 'thread-parties',
    text: 'INSERT INTO thread_parties (thread_id, user_id) VALUES ($1, $2), ($1, $3) ON CONFLICT DO NOTHING',
    values: [thread.id, thread.traveler_id, thread.owner_id]
  })
  return thread
}

/**
 * Locks parties' rows for the rest of the caller's transaction, in one order: by thread, then user. The two message
 * consumers each lock several per batch (the unread counts; the digests, held while their e-mails go out). Taken in
 * the order of their events, each could hold a row the other waits for: a deadlock, which PostgreSQL breaks only after
 * deadlock_timeout (1 s) by failing one batch (seen under load: docs/reliability.md, "Deadlocks").
 */
export async function lockParties (tx: Client, parties: Array<{ threadId: number, userId: number }>) {
  await tx.query({
    name: 'lock-parties',
    text: `SELECT FROM thread_parties p
            WHERE (p.thread_id, p.user_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
            ORDER BY p.thread_id, p.user_id FOR UPDATE`,
    values: [parties.map(p => p.threadId), parties.map(p => p.userId)]
  })
}

/** The traveler's open question about the property: continued if there is one, else opened. 404 without the property. */
export async function questionThread (tx: Client, travelerId: number, propertyId: string): Promise<ThreadRow> {
  const { rows: [thread] } = await tx.query({
    name: 'question-thread',
    text: `INSERT INTO threads (property_id, traveler_id, owner_id) SELECT id, $2, owner_id FROM properties WHERE id = $1
           ON CONFLICT (property_id, traveler_id) WHERE booking_id IS NULL DO UPDATE SET property_id = excluded.property_id
           RETURNING ${T_COLUMNS}`,
    values: [propertyId, travelerId]
  })
  if (!thread) throw notFound('Property')
  return withParties(tx, thread)
}

/**
 * The booking's thread, for its traveler or its property's owner (404 for anyone else): its own; else the traveler's
 * open question about the property, which it adopts (asked before the request, it becomes the booking's); else a new one.
 */
export async function bookingThread (tx: Client, user: User, bookingId: string | number): Promise<ThreadRow> {
  const { rows: [b] } = await tx.query({
    name: 'booking-parties',
    text: 'SELECT b.id, b.property_id, b.traveler_id, p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1',
    values: [bookingId]
  })
  if (!b || (b.traveler_id !== user.id && b.owner_id !== user.id)) throw notFound('Booking')
  const { rows: [thread] } = await tx.query({
    name: 'booking-thread',
    text: `WITH own AS (SELECT ${T_COLUMNS} FROM threads WHERE booking_id = $1),
           adopted AS (UPDATE threads SET booking_id = $1 WHERE property_id = $2 AND traveler_id = $3 AND booking_id IS NULL
                        AND NOT EXISTS (SELECT FROM own) RETURNING ${T_COLUMNS}),
           made AS (INSERT INTO threads (property_id, traveler_id, owner_id, booking_id) SELECT $2, $3, $4, $1
                     WHERE NOT EXISTS (SELECT FROM own) AND NOT EXISTS (SELECT FROM adopted)
                     ON CONFLICT (booking_id) DO NOTHING RETURNING ${T_COLUMNS})
           SELECT * FROM own UNION ALL SELECT * FROM adopted UNION ALL SELECT * FROM made`,
    values: [b.id, b.property_id, b.traveler_id, b.owner_id]
  })
  // A concurrent first message made it meanwhile: it is there now.
  return withParties(tx, thread ?? (await tx.query(`SELECT ${T_COLUMNS} FROM threads WHERE booking_id = $1`, [b.id])).rows[0])
}

/**
 * Refuses a message to a person who deleted their account (409 ACCOUNT_DELETED): nobody would read it, and no e-mail
 * goes to them. The conversation stays readable; the thread is opened (or adopted) in the same transaction, which the
 * refusal rolls back.
 */
export async function checkReachable (tx: Client, thread: ThreadRow, senderId: number) {
  const recipient = senderId === thread.traveler_id ? thread.owner_id : thread.traveler_id
  const { rows: [r] } = await tx.query({ name: 'recipient-deleted', text: 'SELECT deleted_at IS NOT NULL AS gone FROM users WHERE id = $1', values: [recipient] })
  if (r?.gone) throw appError('ACCOUNT_DELETED')
}

export interface MessageRow { id: number, thread_id: number, sender_id: number, text: string, created_at: Date }

/**
 * Claims one message of the sender's allowance, first in the transaction: more than perMinute messages from one sender
 * within a minute are refused (429). The sender's messages take a transaction-level lock, so two at once cannot both
 * slip under the limit; taken before any row, it also puts one sender's writes in a queue (below).
 */
export async function claimSend (tx: Client, senderId: number, perMinute: number) {
  const { rows: [{ recent }] } = await tx.query({
    name: 'message-rate',
    text: `SELECT pg_advisory_xact_lock(hashtextextended('hostly-messages-of:' || $1::bigint, 0)),
                  (SELECT count(*)::int FROM messages WHERE sender_id = $1::bigint AND created_at > now() - interval '1 minute') AS recent`,
    values: [senderId]
  })
  if (recent >= perMinute) throw Object.assign(appError('TOO_MANY_MESSAGES', { max: perMinute }), { retryAfter: 60 })
}

/**
 * Writes the message and its message-sent event, and marks the thread read by its sender, in the caller's
 * transaction, after claimSend(). Locks, in the one order every message write takes them: the sender's (claimSend),
 * the thread's row (a question's or an adopting thread takes it when it opens the thread), then the sender's party
 * row (`r` reads `t`, so PostgreSQL runs `t` first). Taken the other way round, a writer holding its party row while
 * it waits for the thread's would deadlock with one holding the thread's while it waits for that party row
 * (withParties waits for a party row's writer), or, for one sender, the sender's lock.
 */
export async function writeMessage (tx: Client, thread: ThreadRow, senderId: number, text: string): Promise<MessageRow> {
  const recipient = senderId === thread.traveler_id ? thread.owner_id : thread.traveler_id
  const { rows: [message] } = await tx.query({
    name: 'write-message',
    text: `WITH m AS (INSERT INTO messages (thread_id, sender_id, body) VALUES ($1, $2, $3) RETURNING *),
           t AS (UPDATE threads SET last_message_id = m.id FROM m WHERE threads.id = m.thread_id RETURNING threads.*),
           o AS (INSERT INTO outbox (event_id, topic, key, payload)
                 SELECT gen_random_uuid(), $4, m.thread_id::text, json_build_object(
                   'id', m.id, 'thread_id', m.thread_id, 'sender_id', m.sender_id, 'recipient_id', $5::bigint,
                   'property_id', t.property_id, 'booking_id', t.booking_id,
                   'created_at', iso_utc(m.created_at), 'timestamp', iso_utc(clock_timestamp()))::text
                   FROM m, t),
           r AS (UPDATE thread_parties p SET last_read_id = t.last_message_id, read_at = now(), unread_count = 0
                   FROM t WHERE p.thread_id = t.id AND p.user_id = $2)
           SELECT id, thread_id, sender_id, body AS text, created_at FROM m`,
    values: [thread.id, senderId, text, MESSAGE_TOPICS.sent, recipient]
  })
  return message
}
