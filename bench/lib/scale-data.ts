// The data set of the data-scale phase, built in bulk SQL (generate_series, INSERT … SELECT) into a migrated
// database with every constraint and index in place, the exclusion constraint included: a few big set-based
// statements, each row checked as the application's rows are.
//
// Shape: two years of bookings, ids in created_at order. The heavy owner's properties take bookingsPerHeavyProperty
// each, the others the rest evenly; one property's bookings follow each other at a fixed spacing (730 days / its
// bookings), each stay starting a few days after it was requested and ending before the next request, so no two
// stays of a property ever overlap. Requested within the last 20 hours: pending (younger than the expiry TTL, so an
// idle sweep finds nothing); older: 65 % accepted, 35 % cancelled. Stays end at most ~35 days ahead.
import type pg from 'pg'
import { nowMs } from './stats.ts'

export interface ScaleSize {
  travelers: number
  owners: number
  properties: number
  bookings: number
  outbox: number
  notifications: number
  heavyOwner: { properties: number, bookings: number, notifications: number }
  heavyTravelerBookings: number
}

export interface ScaleData {
  heavyOwner: number
  heavyTraveler: number
  /** Owners and travelers other than the heavy ones, first ids. */
  owners: number[]
  travelers: number[]
  /** Property ids of the other owners, with their owner. */
  properties: { id: number, owner_id: number }[]
  /** The day after the last generated stay ends: requests from it on overlap nothing. */
  freeFromDay: number
  build_s: Record<string, number>
}

const SPAN_DAYS = 730

export const CITIES: [string, string, string][] = [
  ['Lisbon', 'Lisboa', 'Portugal'], ['Porto', 'Porto', 'Portugal'], ['Faro', 'Algarve', 'Portugal'], ['Lagos', 'Algarve', 'Portugal'],
  ['Madrid', 'Madrid', 'Spain'], ['Barcelona', 'Catalonia', 'Spain'], ['Seville', 'Andalusia', 'Spain'], ['Valencia', 'Valencia', 'Spain'],
  ['Malaga', 'Andalusia', 'Spain'], ['Paris', 'Ile-de-France', 'France'], ['Nice', 'Provence', 'France'], ['Lyon', 'Auvergne-Rhone-Alpes', 'France'],
  ['Bordeaux', 'Nouvelle-Aquitaine', 'France'], ['Rome', 'Lazio', 'Italy'], ['Florence', 'Tuscany', 'Italy'], ['Venice', 'Veneto', 'Italy'],
  ['Naples', 'Campania', 'Italy'], ['Milan', 'Lombardy', 'Italy'], ['Berlin', 'Berlin', 'Germany'], ['Munich', 'Bavaria', 'Germany'],
  ['Hamburg', 'Hamburg', 'Germany'], ['Vienna', 'Vienna', 'Austria'], ['Salzburg', 'Salzburg', 'Austria'], ['Zurich', 'Zurich', 'Switzerland'],
  ['Geneva', 'Geneva', 'Switzerland'], ['Amsterdam', 'North Holland', 'Netherlands'], ['Brussels', 'Brussels', 'Belgium'], ['Copenhagen', 'Capital Region', 'Denmark'],
  ['Stockholm', 'Stockholm', 'Sweden'], ['Oslo', 'Oslo', 'Norway'], ['Helsinki', 'Uusimaa', 'Finland'], ['Dublin', 'Leinster', 'Ireland'],
  ['London', 'England', 'United Kingdom'], ['Edinburgh', 'Scotland', 'United Kingdom'], ['Prague', 'Prague', 'Czechia'], ['Budapest', 'Budapest', 'Hungary'],
  ['Krakow', 'Lesser Poland', 'Poland'], ['Athens', 'Attica', 'Greece'], ['Santorini', 'South Aegean', 'Greece'], ['Dubrovnik', 'Dubrovnik-Neretva', 'Croatia'],
  ['New York', 'New York', 'United States'], ['Miami', 'Florida', 'United States'], ['Austin', 'Texas', 'United States'], ['San Francisco', 'California', 'United States'],
  ['Los Angeles', 'California', 'United States'], ['Seattle', 'Washington', 'United States'], ['Boston', 'Massachusetts', 'United States'], ['Chicago', 'Illinois', 'United States'],
  ['Denver', 'Colorado', 'United States'], ['Honolulu', 'Hawaii', 'United States'], ['Toronto', 'Ontario', 'Canada'], ['Vancouver', 'British Columbia', 'Canada'],
  ['Montreal', 'Quebec', 'Canada'], ['Mexico City', 'CDMX', 'Mexico'], ['Cancun', 'Quintana Roo', 'Mexico'], ['Rio de Janeiro', 'Rio de Janeiro', 'Brazil'],
  ['Sao Paulo', 'Sao Paulo', 'Brazil'], ['Buenos Aires', 'Buenos Aires', 'Argentina'], ['Lima', 'Lima', 'Peru'], ['Santiago', 'Santiago', 'Chile'],
  ['Tokyo', 'Tokyo', 'Japan'], ['Kyoto', 'Kyoto', 'Japan'], ['Osaka', 'Osaka', 'Japan'], ['Seoul', 'Seoul', 'South Korea'],
  ['Bangkok', 'Bangkok', 'Thailand'], ['Phuket', 'Phuket', 'Thailand'], ['Bali', 'Bali', 'Indonesia'], ['Singapore', 'Singapore', 'Singapore'],
  ['Hanoi', 'Hanoi', 'Vietnam'], ['Sydney', 'New South Wales', 'Australia'], ['Melbourne', 'Victoria', 'Australia'], ['Auckland', 'Auckland', 'New Zealand'],
  ['Cape Town', 'Western Cape', 'South Africa'], ['Marrakesh', 'Marrakesh-Safi', 'Morocco'], ['Cairo', 'Cairo', 'Egypt'], ['Istanbul', 'Istanbul', 'Turkey'],
  ['Dubai', 'Dubai', 'United Arab Emirates'], ['Reykjavik', 'Capital Region', 'Iceland'], ['Tallinn', 'Harju', 'Estonia'], ['Riga', 'Riga', 'Latvia']
]

/** Builds the data set; returns who and what the bench uses, and how long each step took (s). */
export async function buildScaleData (db: pg.Pool, size: ScaleSize, benchOwners: number): Promise<ScaleData> {
  const h = size.heavyOwner
  const otherProps = size.properties - h.properties
  const perHeavy = h.bookings / h.properties
  const perOther = (size.bookings - h.bookings) / otherProps
  // Stays need a spacing of at least 7 days between two requests of one property (see below).
  if (SPAN_DAYS / Math.max(perHeavy, Math.ceil(perOther)) < 7) throw new Error('scale data: too many bookings per property for two years')
  const build_s: Record<string, number> = {}
  const client = await db.connect()
  const step = async (name: string, sql: string, values: unknown[] = []) => {
    const t = nowMs()
    const r = await client.query(sql, values)
    build_s[name] = (build_s[name] ?? 0) + (nowMs() - t) / 1000
    return r
  }
  try {
    // Session settings for the build only (big sorts in memory); the server's settings stay its defaults.
    await client.query("SET work_mem = '256MB'; SET maintenance_work_mem = '256MB'; SET synchronous_commit = off")
    const { rows: [t] } = await step('users', `WITH t AS (
        INSERT INTO users (name, email, password_hash, role)
        SELECT 'Traveler ' || i, 'traveler-' || i || '@scale.example', '!', 'traveler' FROM generate_series(1, $1) i RETURNING id)
      SELECT min(id)::int AS first FROM t`, [size.travelers])
    const { rows: [o] } = await step('users', `WITH o AS (
        INSERT INTO users (name, email, password_hash, role)
        SELECT 'Owner ' || i, 'owner-' || i || '@scale.example', '!', 'owner' FROM generate_series(1, $1) i RETURNING id)
      SELECT min(id)::int AS first FROM o`, [size.owners])
    const heavyOwner = o.first
    const heavyTraveler = t.first
    // The heavy owner's properties first, then the others, dealt round the other owners.
    const cities = JSON.stringify(CITIES)
    const { rows: [p] } = await step('properties', `WITH c AS (SELECT array_agg(x ORDER BY n) AS a FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(x, n)),
      ins AS (
        INSERT INTO properties (owner_id, name, description, city, state, country, property_type, price_per_night,
          bedrooms, bathrooms, max_guests, amenities, created_at, updated_at)
        SELECT CASE WHEN i <= $2 THEN $3::bigint ELSE $3 + 1 + (i % ($5 - 1)) END,
               (ARRAY['Casa', 'Villa', 'Loft', 'Studio', 'Cabin', 'House'])[1 + i % 6] || ' ' || (c.a[1 + i % $6]->>0) || ' ' || i,
               'A quiet place to stay, close to the centre, with a view. Number ' || i || '.',
               c.a[1 + i % $6]->>0, c.a[1 + i % $6]->>1, c.a[1 + i % $6]->>2,
               (ARRAY['apartment', 'house', 'villa', 'cabin'])[1 + i % 4], 50 + i % 200,
               1 + i % 4, 1 + i % 2, 2 + i % 6, ARRAY['wifi', 'kitchen'],
               now() - interval '3 years', now() - interval '3 years'
          FROM generate_series(1, $1) i, c
        RETURNING id)
      SELECT min(id)::int AS first FROM ins`, [size.properties, h.properties, heavyOwner, cities, size.owners, CITIES.length])
    const firstProp = p.first
    const firstOther = firstProp + h.properties

    // Group g ∈ {heavy, other}: property = first + j % P; the j-th request of the group is made at
    // start + j × (SPAN / group bookings), so one property's requests are SPAN / (bookings per property) days apart
    // (≥ 7). Stay: from 1 + lead days after the request's day, 1–4 nights, lead < spacing − 6: it ends before the
    // property's next request is made, and so before its next stay begins.
    await step('bookings', `
      INSERT INTO bookings (property_id, owner_id, traveler_id, start_date, end_date, num_guests, status, total_price, created_at, updated_at)
      SELECT property_id, (SELECT p.owner_id FROM properties p WHERE p.id = x.property_id),
             CASE WHEN k % $9 = 0 THEN $7::bigint ELSE $7 + 1 + (k % ($8 - 1)) END,
             start_date, start_date + nights, 1 + k % 2, status, (50 + property_id % 200) * nights, created_at,
             CASE WHEN status = 'pending' THEN created_at ELSE created_at + interval '1 hour' END
        FROM (
          SELECT *, CASE WHEN created_at > now() - interval '20 hours' THEN 'pending'
                         WHEN k % 20 < 13 THEN 'accepted' ELSE 'cancelled' END AS status
            FROM (
              SELECT property_id, created_at, (created_at AT TIME ZONE 'UTC')::date + 1 + (j % lead) AS start_date,
                     1 + (j / 7) % 4 AS nights, row_number() OVER (ORDER BY created_at, property_id) AS k
                FROM (
                  SELECT $1::bigint + j % $2 AS property_id, j, greatest(1, floor($10::int / ceil($3::numeric / $2)) - 6)::int AS lead,
                         now() - make_interval(days => $10::int) + make_interval(secs => j * ($10::int * 86400.0 / $3)) AS created_at
                    FROM generate_series(0, $3 - 1) j
                  UNION ALL
                  SELECT $4::bigint + j % $5, j, greatest(1, floor($10::int / ceil($6::numeric / $5)) - 6)::int,
                         now() - make_interval(days => $10::int) + make_interval(secs => j * ($10::int * 86400.0 / $6))
                    FROM generate_series(0, $6 - 1) j
                ) g
            ) s
        ) x
       ORDER BY k`,
    [firstProp, h.properties, h.bookings, firstOther, otherProps, size.bookings - h.bookings,
      heavyTraveler, size.travelers, Math.round(size.bookings / size.heavyTravelerBookings), SPAN_DAYS])

    // Every booking's booking-created event, published; its event id is derived from the booking, so the
    // owner's notification and the processed_events row below carry the same one.
    await step('outbox', `
      INSERT INTO outbox (event_id, topic, key, payload, created_at, published_at)
      SELECT md5('created-' || b.id)::uuid, 'booking-created', b.id::text, booking_created_payload(b), b.created_at,
             b.created_at + interval '50 milliseconds'
        FROM bookings b ORDER BY b.id LIMIT $1`, [size.outbox])
    // All published, as the relay's position says (else its first turn would read every row to find none).
    await step('outbox relay position', 'UPDATE outbox_relay SET published_through = (SELECT coalesce(max(id), 0) FROM outbox)')

    // Notifications in created_at order: the owner's for every request, a few more per request for the heavy
    // owner (reminders), and the traveler's for as many decisions as make up the total.
    const extraPer = Math.max(0, Math.round(h.notifications / h.bookings) - 1)
    const ownerCount = size.bookings + extraPer * h.bookings
    const travelerCount = Math.max(0, size.notifications - ownerCount)
    await step('notifications', `
      INSERT INTO notifications (user_id, type, booking_id, event_id, message, created_at, read_at)
      SELECT user_id, type, booking_id, event_id, message, created_at, CASE WHEN created_at < now() - interval '30 days' THEN created_at + interval '1 day' END
        FROM (
          SELECT p.owner_id AS user_id, 'booking_requested' AS type, b.id AS booking_id, md5('created-' || b.id)::uuid AS event_id,
                 'Traveler ' || b.traveler_id || ' requested ' || p.name || ' from ' || b.start_date || ' to ' || b.end_date || ' for ' || b.num_guests || ' guests.' AS message,
                 b.created_at + interval '100 milliseconds' AS created_at
            FROM bookings b JOIN properties p ON p.id = b.property_id
          UNION ALL
          SELECT $1::bigint, 'booking_requested', b.id, md5('reminder-' || r || '-' || b.id)::uuid,
                 'Reminder: booking ' || b.id || ' from ' || b.start_date || ' to ' || b.end_date || ' awaits an answer.',
                 b.created_at + make_interval(mins => r)
            FROM bookings b, generate_series(1, $2) r WHERE b.property_id BETWEEN $3 AND $3 + $4 - 1
          UNION ALL
          (SELECT b.traveler_id, 'booking_' || b.status, b.id, md5('status-' || b.id)::uuid,
                 'Your booking at property ' || b.property_id || ' from ' || b.start_date || ' to ' || b.end_date || ' was ' || b.status || '.',
                 b.updated_at + interval '100 milliseconds'
            FROM bookings b WHERE b.status <> 'pending' ORDER BY b.id DESC LIMIT $5)
        ) n
       ORDER BY created_at`, [heavyOwner, extraPer, firstProp, h.properties, travelerCount])

    // The consumers' dedup rows: one per notification, by its event and group, inserted in key order.
    await step('processed_events', `
      INSERT INTO processed_events (consumer_group, event_id, processed_at)
      SELECT CASE WHEN type = 'booking_requested' THEN 'owner-service-group' ELSE 'traveler-service-group' END, event_id, created_at
        FROM notifications ORDER BY 1, 2`)
    await step('vacuum analyze', 'VACUUM (ANALYZE) users, properties, bookings, outbox, notifications, processed_events')

    const { rows: props } = await client.query(
      'SELECT id::int, owner_id::int FROM properties WHERE owner_id BETWEEN $1 + 1 AND $1 + $2 ORDER BY id', [heavyOwner, benchOwners])
    const { rows: [{ last }] } = await client.query("SELECT (max(end_date) - (now() AT TIME ZONE 'UTC')::date)::int AS last FROM bookings")
    return {
      heavyOwner,
      heavyTraveler,
      owners: Array.from({ length: Math.min(benchOwners, size.owners - 1) }, (_, i) => heavyOwner + 1 + i),
      travelers: Array.from({ length: size.travelers - 1 }, (_, i) => heavyTraveler + 1 + i),
      properties: props,
      freeFromDay: Math.max(1, Number(last) + 1),
      build_s
    }
  } finally {
    client.release()
  }
}
