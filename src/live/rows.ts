import type { Queryable } from '../db/pool.ts'

// What the live channel sends, read from the tables (a NOTIFY carries ids only). Notifications are the
// notifications feature's, read through its queries (src/notifications/rows.ts), which the assembly hands over.

export interface NotificationRow { id: number, user_id: number, type: string, booking_id: number, message: string, created_at: Date, read_at: Date | null }
/** Where the live channel reads a user's notifications: by id (a push), after an id (a catch-up), the newest, unread. */
export interface NotificationSource {
  byId (db: Queryable, ids: number[]): Promise<NotificationRow[]>
  after (db: Queryable, userId: number, after: number, limit: number): Promise<NotificationRow[]>
  newestId (db: Queryable, userId: number): Promise<number>
  unreadCount (db: Queryable, userId: number): Promise<number>
}

export interface BookingRow { id: number, property_id: number, traveler_id: number, owner_id: number, [field: string]: unknown }

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

/** Of these session token hashes, those that are still valid. */
export async function liveSessions (db: Queryable, hashes: Buffer[]): Promise<Set<string>> {
  const { rows } = await db.query(
    'SELECT encode(token_hash, \'hex\') AS h FROM sessions WHERE token_hash = ANY($1) AND expires_at > now()', [hashes])
  return new Set(rows.map(r => r.h))
}
