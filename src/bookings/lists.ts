import type { Queryable } from '../db/pool.ts'
import type { Page } from '../http/paging.ts'

// The paged lists of bookings (reads only; the transitions live in service.ts). Each reads its page of
// limit + 1 ids from one index in id order (newest first) and only then fetches the rows and the names it
// shows, so a page costs the same for a traveler with five bookings as for an owner with twenty thousand.
// Ids first, rows after: asked for whole rows, the planner may walk the primary key backwards filtering on
// the owner (it believes the owner's rows are spread evenly), which reads the whole table when they are old.

const B_COLUMNS = ['id', 'property_id', 'traveler_id', 'start_date', 'end_date', 'num_guests', 'status', 'total_price',
  'reason', 'previous_status', 'created_at', 'updated_at'].map(c => `b.${c}`).join(', ') + ', p.currency'

/** The traveler's bookings, newest first, each with its property's name. Index: bookings (traveler_id, id DESC). */
export async function travelerBookings (db: Queryable, travelerId: number, page: Page) {
  const { limit, below } = page
  const { rows } = await db.query(
    `SELECT ${B_COLUMNS}, p.name AS property_name
       FROM (SELECT id FROM bookings WHERE traveler_id = $1 ${below ? 'AND id < $3' : ''}
              ORDER BY id DESC LIMIT $2) page
       JOIN bookings b ON b.id = page.id
       JOIN properties p ON p.id = b.property_id
      ORDER BY b.id DESC`, [travelerId, limit + 1, ...(below ? [below] : [])])
  const { items, next_cursor } = page.finish(rows)
  return { bookings: items, next_cursor }
}

/**
 * Bookings on the owner's properties, newest first, optionally of one status, each with the property's and
 * the traveler's names. bookings.owner_id (migration 005) makes this one index range, whatever the number of
 * properties: bookings (owner_id, id DESC), or (owner_id, status, id DESC) with a status.
 */
export async function ownerBookings (db: Queryable, ownerId: number, page: Page, status?: string) {
  const { limit, below } = page
  const values: unknown[] = [ownerId, limit + 1]
  const where = ['owner_id = $1']
  // Conditions are left out rather than written `$n IS NULL OR …`, which a generic plan cannot use an index for.
  if (status) where.push(`status = $${values.push(status)}`)
  if (below) where.push(`id < $${values.push(below)}`)
  const { rows } = await db.query(
    `SELECT ${B_COLUMNS}, p.name AS property_name, u.name AS traveler_name
       FROM (SELECT id FROM bookings WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $2) page
       JOIN bookings b ON b.id = page.id
       JOIN properties p ON p.id = b.property_id
       JOIN users u ON u.id = b.traveler_id
      ORDER BY b.id DESC`, values)
  const { items, next_cursor } = page.finish(rows)
  return { bookings: items, next_cursor }
}
