import { USER_COLUMNS, type User } from '../auth/users.ts'
import type { Queryable } from '../db/pool.ts'

// GET /api/me/export: a person's own data as one JSON document. Of other people, only what the person already sees
// on their pages: the name of the host or guest of each booking, the name of each place. Never another person's
// e-mail address, profile or id beyond the ids the person's own records hold.

const own = (columns: string) => columns.split(',').map(c => `'${c.trim()}', ${c.trim()}`).join(', ')

export async function exportAccount (db: Queryable, user: User) {
  const [account, properties, trips, hosted, notifications, favorites, preferences] = await Promise.all([
    db.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [user.id]),
    db.query(`SELECT id, name, description, city, state, country, property_type, price_per_night, bedrooms, bathrooms, max_guests,
                     amenities, currency, created_at, updated_at FROM properties WHERE owner_id = $1 ORDER BY id`, [user.id]),
    db.query(`SELECT b.id, b.property_id, p.name AS property_name, o.name AS host_name, b.start_date, b.end_date, b.num_guests,
                     b.status, b.total_price, p.currency, b.reason, b.previous_status, b.created_at, b.updated_at
                FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users o ON o.id = p.owner_id
               WHERE b.traveler_id = $1 ORDER BY b.id`, [user.id]),
    db.query(`SELECT b.id, b.property_id, p.name AS property_name, t.name AS guest_name, b.start_date, b.end_date, b.num_guests,
                     b.status, b.total_price, p.currency, b.reason, b.previous_status, b.created_at, b.updated_at
                FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users t ON t.id = b.traveler_id
               WHERE b.owner_id = $1 ORDER BY b.id`, [user.id]),
    db.query(`SELECT json_build_object(${own('id, type, booking_id, message, created_at, read_at')}) AS n
                FROM notifications WHERE user_id = $1 ORDER BY id`, [user.id]),
    db.query(`SELECT f.property_id, p.name AS property_name, f.created_at AS saved_at
                FROM favorites f JOIN properties p ON p.id = f.property_id WHERE f.user_id = $1 ORDER BY f.id`, [user.id]),
    db.query('SELECT email_notifications FROM user_preferences WHERE user_id = $1', [user.id])
  ])
  return {
    exported_at: new Date(),
    account: account.rows[0],
    preferences: { email_notifications: preferences.rows[0]?.email_notifications ?? true },
    properties: properties.rows,
    bookings_as_guest: trips.rows,
    bookings_as_host: hosted.rows,
    notifications: notifications.rows.map(r => r.n),
    favorites: favorites.rows
  }
}
