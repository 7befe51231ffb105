import type { Queryable } from '../db/pool.ts'
import type { NotificationRow, NotificationSource } from '../live/rows.ts'

// The notifications' queries: the inbox's unread count, and what the live channel reads (src/live/), given to it as
// a NotificationSource by the assembly (src/routes.ts).

const N_COLUMNS = 'id, user_id, type, booking_id, message, created_at, read_at'

async function notificationsById (db: Queryable, ids: number[]): Promise<NotificationRow[]> {
  const { rows } = await db.query({
    name: 'live-notifications',
    text: `SELECT ${N_COLUMNS} FROM notifications WHERE id = ANY($1) ORDER BY id`,
    values: [ids]
  })
  return rows
}

/** The user's notifications newer than `after`, oldest first, up to `limit`. */
async function notificationsAfter (db: Queryable, userId: number, after: number, limit: number): Promise<NotificationRow[]> {
  const { rows } = await db.query({
    name: 'live-catch-up',
    text: `SELECT ${N_COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    values: [userId, after, limit]
  })
  return rows
}

/** The user's newest notification id (0 if none): where a socket opened without ?after starts. */
async function newestId (db: Queryable, userId: number): Promise<number> {
  const { rows: [{ id }] } = await db.query({
    name: 'live-newest',
    text: 'SELECT coalesce(max(id), 0)::bigint AS id FROM notifications WHERE user_id = $1',
    values: [userId]
  })
  return id
}

export async function unreadCount (db: Queryable, userId: number): Promise<number> {
  const { rows: [{ n }] } = await db.query({
    name: 'unread-count',
    text: 'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
    values: [userId]
  })
  return n
}

/** The live channel's way to the notifications (live/rows.ts). */
export const liveNotifications: NotificationSource = { byId: notificationsById, after: notificationsAfter, newestId, unreadCount }
