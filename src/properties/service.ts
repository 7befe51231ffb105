import { transaction, type Pool, type Queryable } from '../db/pool.ts'
import { checkStay } from '../dates.ts'
import { badRequest, forbidden, notFound } from '../errors.ts'
import { fieldLabel } from '../field-labels.ts'
import type { Page } from '../http/paging.ts'
import type { Static } from 'typebox'
import { PropertyPatch, type Price, type PropertyInput, type SearchQuery } from './schemas.ts'

export const COLUMNS = `id, owner_id, name, description, city, state, country, property_type, price_per_night,
  bedrooms, bathrooms, max_guests, amenities, currency, cleaning_fee, tax_rate, house_rules, check_in_time, check_out_time, min_nights, listed,
  created_at, updated_at`
/** The fields an owner may change, each a column of the same name. */
const EDITABLE = new Set(Object.keys(PropertyPatch.properties))

/** The ISO 4217 codes this runtime knows (Intl), the only ones a price may be in. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

function checkCurrency (currency: string) {
  if (!CURRENCIES.has(currency)) throw badRequest({ sentence: `“${currency}” is not a currency we know; use an ISO 4217 code such as EUR or USD.` }, 'currency')
}

export async function createProperty (db: Queryable, ownerId: number, p: PropertyInput) {
  checkCurrency(p.currency ?? 'EUR')
  // The optional fields left out take the columns' defaults (DEFAULT), the given ones their value.
  const fields = Object.entries(p).filter(([k, v]) => EDITABLE.has(k) && v !== undefined)
  const { rows } = await db.query(
    `INSERT INTO properties (owner_id, ${fields.map(([k]) => k).join(', ')})
     VALUES ($1, ${fields.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING ${COLUMNS}`,
    [ownerId, ...fields.map(([, v]) => v)])
  return rows[0]
}

/**
 * An owner's change to their property: only the fields given. It holds the property FOR NO KEY UPDATE, as an
 * accept does, so a request in flight (FOR SHARE) is priced wholly before or wholly after it; a booking keeps the
 * price it was requested at (bookings.total_price). The currency is the one thing that cannot change once the
 * property has bookings: their amounts are read in the property's currency.
 */
export async function updateProperty (pool: Pool, ownerId: number, id: string, patch: PropertyPatch) {
  if (patch.currency !== undefined) checkCurrency(patch.currency)
  return transaction(pool, async (db) => {
    const { rows: [found] } = await db.query(
      `SELECT owner_id, currency, EXISTS (SELECT 1 FROM bookings b WHERE b.property_id = p.id) AS booked
         FROM properties p WHERE p.id = $1 FOR NO KEY UPDATE`, [id])
    if (!found) throw notFound('Property')
    if (found.owner_id !== ownerId) throw notOwner()
    if (patch.currency !== undefined && patch.currency !== found.currency && found.booked) {
      throw badRequest({ sentence: 'The currency cannot change once the place has bookings: their amounts are in its currency.' }, 'currency')
    }
    const fields = Object.entries(patch).filter(([k, v]) => EDITABLE.has(k) && v !== undefined)
    const { rows } = await db.query(
      `UPDATE properties SET ${fields.map(([k], i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`, [id, ...fields.map(([, v]) => v)])
    return rows[0]
  })
}

export const notOwner = () => forbidden('This is not one of your properties.')

export async function getProperty (db: Queryable, id: string) {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM properties WHERE id = $1`, [id])
  if (!rows[0]) throw notFound('Property')
  return rows[0]
}

/**
 * The nights already taken at a property (accepted stays and the owner's blocks, not yet over: taken_nights), soonest
 * first: dates only, never who booked them or why they are blocked. At most a year and a bit of them, which is as
 * far as a stay may start.
 */
export async function takenDates (db: Queryable, id: string) {
  await getProperty(db, id)
  const { rows } = await db.query(
    `SELECT start_date, end_date FROM taken_nights
      WHERE property_id = $1 AND end_date > current_date
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

/** Search counts matches exactly up to this many; beyond it, `total` says "more than TOTAL_BOUND". */
export const TOTAL_BOUND = 1000

// The search words as a tsquery ($1: what was typed), built by the database with the folding and the parser of
// the documents (migrations/020_search.sql). A word of 3 characters or more matches as a prefix ("lisb" finds
// Lisbon); a shorter one, whole words only. A word of 4 or more that begins no known word is taken as misspelt: the
// known words nearest to it by trigrams match too ("lisbn" → lisbon: similarity 0.44; 0.4 at least, so that a
// long unknown word does not match every short word it contains). The words are ANDed.
const QUERY = `
  words AS (SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', search_fold($1)))) w),
  alts AS (
    SELECT w, search_quote(w) || CASE WHEN length(w) >= 3 THEN ':*' ELSE '' END AS alt FROM words
    UNION ALL
    SELECT words.w, search_quote(t.term) FROM words
     CROSS JOIN LATERAL (SELECT term FROM search_terms WHERE term % words.w AND similarity(term, words.w) >= 0.4
                          ORDER BY term <-> words.w, term LIMIT 3) t
     WHERE length(words.w) >= 4 AND NOT EXISTS (
       SELECT 1 FROM search_terms k WHERE k.term >= words.w COLLATE "C" AND k.term < (words.w || chr(1114111)) COLLATE "C")
  ),
  q AS (SELECT string_agg(a, ' & ')::tsquery AS q FROM (SELECT '(' || string_agg(alt, ' | ') || ')' AS a FROM alts GROUP BY w) g)`

// What every form filters on: listed properties only (unlisted ones are out of search), $2 guests, $8..$9 the price range, $10 the type (each off when null).
const filters = (t: string) => `${t}.listed AND ($2::int IS NULL OR ${t}.max_guests >= $2)
  AND ($8::numeric IS NULL OR ${t}.price_per_night >= $8) AND ($9::numeric IS NULL OR ${t}.price_per_night <= $9)
  AND ($10::text IS NULL OR lower(${t}.property_type) = lower($10))`

type Sort = NonNullable<SearchQuery['sort']>
/** The order of each sort, over candidates `c` (id, price_per_night, rank). Each ends on the id: a stable order. */
const ORDER: Record<Sort, string> = {
  relevance: 'c.rank DESC, c.id DESC',
  price_asc: 'c.price_per_night, c.id',
  price_desc: 'c.price_per_night DESC, c.id DESC',
  newest: 'c.id DESC',
  // The guests' published reviews, counted as they publish (reviews' property_ratings): one row per rated place.
  rating: `(SELECT r.rating_sum::numeric / r.reviews FROM property_ratings r WHERE r.property_id = c.id AND r.reviews > 0) DESC NULLS LAST,
    (SELECT r.reviews FROM property_ratings r WHERE r.property_id = c.id) DESC NULLS LAST, c.id DESC`
}

// Step 1, the candidates in the sort's order:
//  - with words: the properties whose document matches (the GIN index), ranked, then sorted; the cost follows the
//    matches (a city: hundreds; a country: thousands), not the table;
//  - without: a walk of the sort's index (the primary key for newest, properties_price_idx for price) that stops
//    as soon as step 2 has enough.
// Step 2: of those, the ones free for the stay ($3..$4; off when null: no accepted stay and no block over it, by
// stays_overlap() of booking.sql, which the planner inlines), at most $5 (one more than the count bound
// or the page's end), each checked in bookings_accepted_property_end_idx (009) only until $5 are found. OFFSET 0
// keeps step 1 a subquery whose order reaches here; inside NOT EXISTS it stops the planner from hashing every
// accepted future stay instead. The page is read from those ids; the one row of `t` carries the count even when
// the page is empty.
const search = (candidates: string, withWords: boolean) => `
  WITH ${withWords ? QUERY + ',' : ''}
  ids AS MATERIALIZED (
    SELECT m.id, row_number() OVER () AS ord FROM (${candidates}) m
     WHERE ($3::date IS NULL OR NOT EXISTS (
       SELECT 1 FROM bookings b WHERE b.property_id = m.id AND b.status = 'accepted'
          AND stays_overlap(b.start_date, b.end_date, $3::date, $4::date) OFFSET 0)
       AND NOT EXISTS (
       SELECT 1 FROM property_blocks k WHERE k.property_id = m.id AND stays_overlap(k.start_date, k.end_date, $3::date, $4::date) OFFSET 0))
     LIMIT $5)
  SELECT t.total, page.* FROM (SELECT count(*)::int AS total FROM ids) t
  LEFT JOIN LATERAL (
    SELECT s.ord, ${COLUMNS.split(',').map(c => 'p.' + c.trim()).join(', ')}
      FROM (SELECT id, ord FROM ids ORDER BY ord LIMIT $6 OFFSET $7) s JOIN properties p ON p.id = s.id
  ) page ON true
  ORDER BY page.ord`

const byWords = (sort: Sort) => search(`
  SELECT c.id FROM (
    SELECT p.id, p.price_per_night, ts_rank(p.search_doc, q.q) AS rank FROM properties p, q
     WHERE p.search_doc @@ q.q AND ${filters('p')}
  ) c ORDER BY ${ORDER[sort]} OFFSET 0`, true)
// $1, the words, is null here; naming it keeps one parameter list for both forms.
const byWalk = (sort: Sort) => search(`
  SELECT c.id FROM properties c WHERE $1::text IS NULL AND ${filters('c')} ORDER BY ${ORDER[sort === 'relevance' ? 'newest' : sort]} OFFSET 0`, false)

const SORTS = Object.keys(ORDER) as Sort[]
const SEARCHES = {
  words: Object.fromEntries(SORTS.map(s => [s, byWords(s)])) as Record<Sort, string>,
  walk: Object.fromEntries(SORTS.map(s => [s, byWalk(s)])) as Record<Sort, string>
}

export async function searchProperties (db: Queryable, q: SearchQuery) {
  if ((q.start_date === undefined) !== (q.end_date === undefined)) {
    throw badRequest(`is required when ${fieldLabel(q.start_date ? 'start_date' : 'end_date')} is given`, q.start_date ? 'end_date' : 'start_date')
  }
  if (q.start_date && q.end_date) checkStay(q.start_date, q.end_date)
  if (q.min_price !== undefined && q.max_price !== undefined && q.min_price > q.max_price) {
    throw badRequest(`must not be more than ${fieldLabel('max_price')}`, 'min_price')
  }
  const text = q.location?.trim() ?? ''
  // Words are letters and digits: punctuation alone asks for nothing, a mistake worth saying rather than "all".
  if (text && !/[\p{L}\p{N}]/u.test(text)) throw badRequest('must contain a letter or a digit', 'location')
  // Counted up to the bound, or to the page's end when paging past it: one id more tells "more than that".
  const limit = q.limit ?? 20 // the schema fills in both; the types cannot know
  const offset = q.offset ?? 0
  const sort = q.sort ?? 'relevance'
  const counted = Math.max(TOTAL_BOUND, offset + limit)
  const { rows } = await db.query(text ? SEARCHES.words[sort] : SEARCHES.walk[sort],
    [text || null, q.guests ?? null, q.start_date ?? null, q.end_date ?? null, counted + 1, limit, offset,
      q.min_price ?? null, q.max_price ?? null, q.type?.trim() || null])
  const total: number = rows[0].total
  const properties = rows[0].id === null ? [] : rows.map(({ total: _, ord: __, ...p }) => p)
  return total > counted ? { properties, total: counted, total_exact: false } : { properties, total, total_exact: true }
}

/**
 * What a stay would cost, item by item, computed by stay_price() in booking.sql: the computation request_booking()
 * stores on the booking, so the quote and the booking agree to the cent. Amounts are decimal strings.
 */
export async function quoteStay (db: Queryable, id: string, start?: string, end?: string) {
  if (!start) throw badRequest('is required', 'start_date')
  if (!end) throw badRequest('is required', 'end_date')
  const nights = checkStay(start, end)
  const { rows: [row] } = await db.query(
    `SELECT p.currency, json_build_object(
              'nights', $2::int, 'nightly_price', p.price_per_night::text, 'nights_total', q.nights_total::text,
              'cleaning_fee', p.cleaning_fee::text, 'tax_rate', p.tax_rate::text, 'taxes', q.taxes::numeric(12, 2)::text,
              'total', q.total::numeric(12, 2)::text) AS price
       FROM properties p, stay_price(p.price_per_night, p.cleaning_fee, p.tax_rate, $2::int, p.currency) q
      WHERE p.id = $1`, [id, nights])
  if (!row) throw notFound('Property')
  return row as { currency: string, price: Static<typeof Price> }
}

/**
 * The places with their guests' rating (property_ratings: counted as reviews publish, by review.sql), for search
 * results and a place's page: one index lookup for the page.
 */
export async function withRatings<P extends { id: number | string }> (db: Queryable, properties: P[]): Promise<Array<P & { rating: { average: number | null, count: number } }>> {
  if (properties.length === 0) return []
  const { rows } = await db.query({
    name: 'properties-ratings',
    text: `SELECT property_id, reviews AS count, round(rating_sum::numeric / nullif(reviews, 0), 1)::float8 AS average
             FROM property_ratings WHERE property_id = ANY($1::bigint[])`,
    values: [properties.map(p => p.id)]
  })
  const byId = new Map(rows.map(r => [String(r.property_id), { average: r.average as number | null, count: r.count as number }]))
  return properties.map(p => ({ ...p, rating: byId.get(String(p.id)) ?? { average: null, count: 0 } }))
}
