import type { Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { badRequest, notFound } from '../errors.ts'
import { readPage, toPage, type PageInput } from '../http/paging.ts'
import type { PropertyInput, SearchQuery } from './schemas.ts'

const COLUMNS = `id, owner_id, name, description, city, state, country, property_type, price_per_night,
  bedrooms, bathrooms, max_guests, amenities, created_at, updated_at`

export async function createProperty (db: Queryable, ownerId: number, p: PropertyInput) {
  const { rows } = await db.query(
    `INSERT INTO properties (owner_id, name, description, city, state, country, property_type, price_per_night,
       bedrooms, bathrooms, max_guests, amenities)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [ownerId, p.name, p.description, p.city, p.state, p.country, p.property_type, p.price_per_night,
      p.bedrooms, p.bathrooms, p.max_guests, p.amenities])
  return rows[0]
}

export async function getProperty (db: Queryable, id: string) {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM properties WHERE id = $1`, [id])
  if (!rows[0]) throw notFound('Property')
  return rows[0]
}

/**
 * The stays already taken at a property (accepted bookings not yet over), soonest first, for its page's calendar:
 * dates only, never who booked them. At most a year and a bit of them, which is as far as a stay may start.
 */
export async function takenDates (db: Queryable, id: string) {
  await getProperty(db, id)
  const { rows } = await db.query(
    `SELECT start_date, end_date FROM bookings
      WHERE property_id = $1 AND status = 'accepted' AND end_date > current_date
      ORDER BY start_date LIMIT 1000`, [id])
  return { taken: rows }
}

/** The owner's properties, newest first, a page at a time: ids from properties (owner_id, id DESC), then rows. */
export async function ownerProperties (db: Queryable, ownerId: number, page: PageInput) {
  const { limit, below } = readPage(page)
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM properties
      WHERE id IN (SELECT id FROM properties WHERE owner_id = $1 ${below ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2)
      ORDER BY id DESC`,
    [ownerId, limit + 1, ...(below ? [below] : [])])
  const { items, next_cursor } = toPage(rows, limit)
  return { properties: items, next_cursor }
}

/** LIKE pattern that matches the text literally: %, _ and \ lose their special meaning. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, c => '\\' + c)}%`

// $1 location pattern, $2 guests, $3..$4 the stay: each filter is off when its parameter is null.
const MATCHES = `
  WHERE ($1::text IS NULL OR p.city ILIKE $1 OR p.state ILIKE $1 OR p.country ILIKE $1)
    AND ($2::int IS NULL OR p.max_guests >= $2)
    AND ($3::date IS NULL OR NOT EXISTS (
      SELECT 1 FROM bookings b WHERE b.property_id = p.id AND b.status = 'accepted'
         AND daterange(b.start_date, b.end_date) && daterange($3::date, $4::date)))`

export async function searchProperties (db: Queryable, q: SearchQuery) {
  if ((q.start_date === undefined) !== (q.end_date === undefined)) {
    throw badRequest('is required when the other date is given', q.start_date ? 'end_date' : 'start_date')
  }
  if (q.start_date && q.end_date) checkStay(q.start_date, q.end_date)
  const location = q.location?.trim() ? containing(q.location.trim()) : null
  const filters = [location, q.guests ?? null, q.start_date ?? null, q.end_date ?? null]
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, count(*) OVER () AS total FROM properties p ${MATCHES} ORDER BY p.id LIMIT $5 OFFSET $6`,
    [...filters, q.limit ?? 20, q.offset ?? 0]) // the schema fills in both; the types cannot know
  if (rows[0]) return { properties: rows, total: Number(rows[0].total) }
  // An offset past the end returns no row, and so no window total: count on its own then.
  const { rows: [{ n }] } = await db.query(`SELECT count(*)::int AS n FROM properties p ${MATCHES}`, filters)
  return { properties: rows, total: n }
}
