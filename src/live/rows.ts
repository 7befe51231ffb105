import type { Queryable } from '../db/pool.ts'

// What the live channel sends, read from the tables (a NOTIFY carries ids only).

export interface NotificationRow { id: number, user_id: number, type: string, booking_id: number, message: string, created_at: Date, read_at: Date | null }
export interface BookingRow { id: number, property_id: number, traveler_id: number, owner_id: number, [field: string]: unknown }

const N_COLUMNS = 'id, user_id, type, booking_id, message, created_at, read_at'

export async function notificationsById (db: Queryable, ids: number[]): Promise<NotificationRow[]> {
  const { rows } = await db.query({
    name: 'live-notifications',
    text: `SELECT ${N_COLUMNS} FROM notifications WHERE id = ANY($1) ORDER BY id`,
    values: [ids]
  })
  return rows
}

export async function bookingsById (db: Queryable, ids: number[]): Promise<BookingRow[]> {
  const { rows } = await db.query({
    name: 'live-bookings',
    text: `SELECT b.id, b.property_id, b.traveler_id, b.start_date, b.end_date, b.num_guests, b.status, b.total_price,
                  p.currency, b.reason, b.previous_status, b.created_at, b.updated_at, p.owner_id
             FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = ANY($1)`,
    values: [ids]
  })
  return rows
}

/** The user's notifications newer than `after`, oldest first, up to `limit`. */
export async function notificationsAfter (db: Queryable, userId: number, after: number, limit: number): Promise<NotificationRow[]> {
  const { rows } = await db.query({
    name: 'live-catch-up',
    text: `SELECT ${N_COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    values: [userId, after, limit]
  })
  return rows
}

/** The user's newest notification id (0 if none): where a socket opened without ?after starts. */
export async function newestId (db: Queryable, userId: number): Promise<number> {
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

/** Of these session token hashes, those that are still valid. */
export async function liveSessions (db: Queryable, hashes: Buffer[]): Promise<Set<string>> {
  const { rows } = await db.query(
    'SELECT encode(token_hash, \'hex\') AS h FROM sessions WHERE token_hash = ANY($1) AND expires_at > now()', [hashes])
  return new Set(rows.map(r => r.h))
}
