import type { Static } from 'typebox'
import type { Queryable } from '../db/pool.ts'
import type { Page } from '../http/paging.ts'
import type { Thread } from './schemas.ts'

// The reader's threads, newest conversation first, with what each shows in the inbox.

const THREAD = `SELECT t.id, json_build_object('id', p.id, 'title', p.name) AS property, t.booking_id,
         json_build_object('id', o.id, 'name', o.name, 'deleted', o.deleted_at IS NOT NULL) AS other,
         CASE WHEN m.id IS NULL THEN NULL ELSE json_build_object('id', m.id, 'sender_id', m.sender_id, 'text', left(m.body, 200),
           'created_at', iso_utc(m.created_at)) END AS last_message,
         coalesce(mine.unread_count, 0) AS unread_count, coalesce(theirs.last_read_id, 0) AS other_read_id, theirs.read_at AS other_read_at,
         t.last_message_id
    FROM threads t JOIN properties p ON p.id = t.property_id
    JOIN users o ON o.id = CASE WHEN t.traveler_id = $1 THEN t.owner_id ELSE t.traveler_id END
    LEFT JOIN messages m ON m.id = t.last_message_id
    LEFT JOIN thread_parties mine ON mine.thread_id = t.id AND mine.user_id = $1
    LEFT JOIN thread_parties theirs ON theirs.thread_id = t.id AND theirs.user_id = o.id`

type ThreadLine = Static<typeof Thread> & { last_message_id: number }

const strip = ({ last_message_id: _, ...thread }: ThreadLine): Static<typeof Thread> => thread

/** One thread as its reader sees it. */
export async function threadView (db: Queryable, readerId: number, threadId: number) {
  const { rows: [row] } = await db.query<ThreadLine>({ name: 'thread-view', text: `${THREAD} WHERE t.id = $2`, values: [readerId, threadId] })
  return strip(row)
}

/** A page of the reader's threads, by their newest message, newest first (the cursor is a message id). */
export async function threadPage (db: Queryable, readerId: number, page: Page) {
  const { rows } = await db.query<ThreadLine>({
    name: 'thread-page',
    text: `${THREAD} WHERE (t.traveler_id = $1 OR t.owner_id = $1) AND t.last_message_id < coalesce($3::bigint, 9223372036854775807)
            ORDER BY t.last_message_id DESC LIMIT $2`,
    values: [readerId, page.limit + 1, page.below]
  })
  const { items, next_cursor } = page.finish(rows.map(r => ({ ...r, id: r.last_message_id, thread: r })))
  return { threads: items.map(i => strip(i.thread)), next_cursor }
}

/**
 * The booking's thread, if it has one: its own, or else the traveler's question about the property, which the
 * booking's first message adopts (store.ts: bookingThread).
 */
export async function threadOfBooking (db: Queryable, readerId: number, bookingId: number) {
  const { rows } = await db.query<ThreadLine>({
    name: 'thread-of-booking',
    text: `${THREAD} JOIN bookings b ON b.id = $2 AND b.property_id = t.property_id AND b.traveler_id = t.traveler_id
            WHERE (t.traveler_id = $1 OR t.owner_id = $1) AND t.last_message_id IS NOT NULL AND (t.booking_id = b.id OR t.booking_id IS NULL)
            ORDER BY t.booking_id NULLS LAST LIMIT 1`,
    values: [readerId, bookingId]
  })
  return { threads: rows.map(strip), next_cursor: null }
}

/** Unread messages in all of the reader's threads. */
export async function unreadMessages (db: Queryable, readerId: number): Promise<number> {
  const { rows: [{ n }] } = await db.query({
    name: 'unread-messages',
    text: 'SELECT coalesce(sum(unread_count), 0)::int AS n FROM thread_parties WHERE user_id = $1',
    values: [readerId]
  })
  return n
}

/** A page of a thread's messages, newest first. */
export async function messagePage (db: Queryable, threadId: number, page: Page) {
  const { rows } = await db.query({
    name: 'message-page',
    text: `SELECT id, thread_id, sender_id, body AS text, created_at FROM messages
            WHERE thread_id = $1 AND id < coalesce($3::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $2`,
    values: [threadId, page.limit + 1, page.below]
  })
  return page.finish(rows)
}

/** The reader has read the thread up to its newest message. */
export async function markRead (db: Queryable, readerId: number, threadId: number) {
  const { rows: [row] } = await db.query({
    name: 'thread-read',
    text: `UPDATE thread_parties p SET last_read_id = greatest(p.last_read_id, coalesce(t.last_message_id, 0)), read_at = now(), unread_count = 0
             FROM threads t WHERE t.id = p.thread_id AND p.thread_id = $1 AND p.user_id = $2
           RETURNING p.thread_id, p.last_read_id, p.unread_count`,
    values: [threadId, readerId]
  })
  return row
}
