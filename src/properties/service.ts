import type { Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { badRequest, notFound } from '../errors.ts'
import type { Page } from '../http/paging.ts'
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
export async function ownerProperties (db: Queryable, ownerId: number, page: Page) {
  const { limit, below } = page
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM properties
      WHERE id IN (SELECT id FROM properties WHERE owner_id = $1 ${below ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2)
      ORDER BY id DESC`,
    [ownerId, limit + 1, ...(below ? [below] : [])])
  const { items, next_cursor } = page.finish(rows)
  return { properties: items, next_cursor }
}

/** LIKE pattern that matches the text literally: %, _ and \ lose their special meaning. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, c => '\\' + c)}%`

/** Search counts matches exactly up to this many; beyond it, `total` says "more than TOTAL_BOUND". */
export const TOTAL_BOUND = 1000

// Step 1 of a search: the properties whose place and size fit ($1 location pattern, $2 guests; each off when
// null), in id order. Two forms, because PostgreSQL's planner prices ILIKE as if it were as cheap as `=` and so
// walks every property for a place that only a few hundred have:
//  - a location of 3 characters or more: each column's trigram index (migrations/009) on its own, then the ids
//    sorted; the cost follows the properties in that place, never the whole table;
//  - no location, or 1–2 characters (no trigram to look up, and they match a large share anyway): a walk of the
//    primary key that stops as soon as step 2 has enough.
const BY_TRIGRAMS = `
  SELECT id FROM properties WHERE city ILIKE $1 AND ($2::int IS NULL OR max_guests >= $2)
  UNION SELECT id FROM properties WHERE state ILIKE $1 AND ($2::int IS NULL OR max_guests >= $2)
  UNION SELECT id FROM properties WHERE country ILIKE $1 AND ($2::int IS NULL OR max_guests >= $2)
  ORDER BY id OFFSET 0`
const BY_WALK = `
  SELECT p.id FROM properties p
   WHERE ($1::text IS NULL OR p.city ILIKE $1 OR p.state ILIKE $1 OR p.country ILIKE $1)
     AND ($2::int IS NULL OR p.max_guests >= $2)
   ORDER BY p.id OFFSET 0`

// Step 2: of those, the ones free for the stay ($3..$4; off when null), at most $5 of them (one more than the
// count bound or the page's end), each checked in bookings_accepted_property_end_idx (009) only until $5 are
// found. OFFSET 0 keeps step 1 a subquery whose order reaches here; inside NOT EXISTS it stops the planner from
// hashing every accepted future stay instead. The count and the page are read from those ids; the one row of `t`
// carries the count even when the page is empty.
const search = (candidates: string) => `
  WITH ids AS MATERIALIZED (
    SELECT m.id FROM (${candidates}) m
     WHERE ($3::date IS NULL OR NOT EXISTS (
       SELECT 1 FROM bookings b WHERE b.property_id = m.id AND b.status = 'accepted'
          AND b.end_date > $3::date AND b.start_date < $4::date OFFSET 0))
     LIMIT $5)
  SELECT t.total, page.* FROM (SELECT count(*)::int AS total FROM ids) t
  LEFT JOIN LATERAL (
    SELECT ${COLUMNS} FROM properties p WHERE p.id IN (SELECT id FROM ids ORDER BY id LIMIT $6 OFFSET $7)
  ) page ON true
  ORDER BY page.id`
const SEARCH_BY_TRIGRAMS = search(BY_TRIGRAMS)
const SEARCH_BY_WALK = search(BY_WALK)

export async function searchProperties (db: Queryable, q: SearchQuery) {
  if ((q.start_date === undefined) !== (q.end_date === undefined)) {
    throw badRequest('is required when the other date is given', q.start_date ? 'end_date' : 'start_date')
  }
  if (q.start_date && q.end_date) checkStay(q.start_date, q.end_date)
  const text = q.location?.trim() ?? ''
  const location = text ? containing(text) : null
  // Counted up to the bound, or to the page's end when paging past it: one id more tells "more than that".
  const limit = q.limit ?? 20 // the schema fills in both; the types cannot know
  const offset = q.offset ?? 0
  const counted = Math.max(TOTAL_BOUND, offset + limit)
  const { rows } = await db.query([...text].length >= 3 ? SEARCH_BY_TRIGRAMS : SEARCH_BY_WALK,
    [location, q.guests ?? null, q.start_date ?? null, q.end_date ?? null, counted + 1, limit, offset])
  const total: number = rows[0].total
  const properties = rows[0].id === null ? [] : rows.map(({ total: _, ...p }) => p)
  return total > counted ? { properties, total: counted, total_exact: false } : { properties, total, total_exact: true }
}
