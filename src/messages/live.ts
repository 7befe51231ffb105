import type { Queryable } from '../db/pool.ts'
import type { RowLoader } from '../live/hub.ts'

/** The kinds of row conversations send on the live socket (docs/http.md, Live updates). */
export const LIVE_KINDS = { message: 'message', read: 'thread_read' } as const

/** A new message, for its recipient, with the thread's unread count for them (written by the message service). */
const messages: RowLoader = async (db: Queryable, pairs) => {
  const { rows } = await db.query({
    name: 'live-messages',
    text: `SELECT e.user_id, json_build_object('id', m.id, 'thread_id', m.thread_id, 'sender_id', m.sender_id, 'text', m.body,
                    'created_at', iso_utc(m.created_at), 'unread_count', coalesce(p.unread_count, 0)) AS row
             FROM unnest($1::bigint[], $2::bigint[]) AS e(id, user_id)
             JOIN messages m ON m.id = e.id
             LEFT JOIN thread_parties p ON p.thread_id = m.thread_id AND p.user_id = e.user_id
            ORDER BY m.id`,
    values: [pairs.map(p => p[0]), pairs.map(p => p[1])]
  })
  return rows
}

/** A read receipt, for the other party: how far the reader has read (their thread_parties row). */
const receipts: RowLoader = async (db: Queryable, pairs) => {
  const { rows } = await db.query({
    name: 'live-receipts',
    text: `SELECT e.user_id, json_build_object('thread_id', p.thread_id, 'last_read_id', p.last_read_id, 'read_at', iso_utc(p.read_at)) AS row
             FROM unnest($1::bigint[], $2::bigint[]) AS e(id, user_id)
             JOIN thread_parties p ON p.thread_id = e.id AND p.user_id <> e.user_id`,
    values: [pairs.map(p => p[0]), pairs.map(p => p[1])]
  })
  return rows
}

/** The loaders an API process's live hub is given for conversations (routes.ts). */
export const messageLoaders: Record<string, RowLoader> = { [LIVE_KINDS.message]: messages, [LIVE_KINDS.read]: receipts }
