import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp, groupIsEmpty } from './helpers/kafka.ts'
import { cleanUp, run } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Owner analytics (docs/http.md): built by the analytics service from the events alone; checked against a
// recomputation from the bookings table, and rebuilt identically by replaying both topics into empty tables.

const GROUP = 'analytics-service-group'
const COUNT = 300
let stack: Stack
let owner: Client
let propertyIds: number[]
let from: string, to: string

before(async () => {
  stack = await startStack({ pieces: { api: true, relay: true, workers: ['analytics'] } })
  owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  propertyIds = [(await listProperty(owner)).id, (await listProperty(owner)).id, (await listProperty(owner)).id]
  // Listed long before the history below, except the third: listed in its middle (occupancy counts listed nights).
  await stack.db.query("UPDATE properties SET created_at = now() - interval '200 days' WHERE id = ANY($1)", [propertyIds.slice(0, 2)])
  await stack.db.query("UPDATE properties SET created_at = now() - interval '60 days' WHERE id = $1", [propertyIds[2]])
  // A few through the API: an acceptance and a decline as owners make them.
  const accepted = await book(traveler, propertyIds[0], 20, 2)
  const declined = await book(traveler, propertyIds[1], 20, 2)
  await book(traveler, propertyIds[2], 20, 2)
  assert.equal((await owner.post(`/api/bookings/${accepted.id}/accept`)).status, 200)
  assert.equal((await owner.post(`/api/bookings/${declined.id}/cancel`)).status, 200)
  await generate(traveler.user!.id)
  await caughtUp()
})
after(async () => {
  await stack?.stop()
  await cleanUp()
})

/**
 * COUNT bookings over about 115 days from 120 days ago (four month boundaries), written as booking.sql writes
 * them (rows, and outbox events made by its payload functions), in one transaction: accepted ones, declines,
 * expiries, withdrawals, dates taken, pending ones, and accepted stays cancelled later by the traveler or the
 * owner. Half the cancels say previous_status (as since issue 17), half do not (as older events): the figures
 * must be the same. Accepted stays of a property never overlap.
 */
async function generate (travelerId: number) {
  const client = await stack.db.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query(`
      INSERT INTO bookings (property_id, owner_id, traveler_id, start_date, end_date, num_guests, total_price, created_at, updated_at)
      SELECT ($1::bigint[])[i % 3 + 1], (SELECT p.owner_id FROM properties p WHERE p.id = ($1::bigint[])[i % 3 + 1]), $2, s, s + n, 1, 100.5 * n, t, t
        FROM generate_series(0, $3 - 1) i,
             LATERAL (SELECT date_trunc('day', now()) - interval '120 days' + interval '67 minutes' + i * interval '9 hours 13 minutes' AS t) x,
             LATERAL (SELECT (x.t AT TIME ZONE 'UTC')::date + 7 AS s, CASE WHEN (i / 3) % 9 IN (0, 6, 7) THEN 1 ELSE 1 + i % 3 END AS n) y
       ORDER BY i
      RETURNING id`, [propertyIds, travelerId, COUNT])
    const ids = rows.map(r => r.id as number).sort((a, b) => a - b)
    await client.query(`INSERT INTO outbox (event_id, topic, key, payload)
      SELECT gen_random_uuid(), $1, b.id::text, booking_created_payload(b) FROM bookings b WHERE b.id = ANY($2) ORDER BY b.id`, [TOPICS.created, ids])
    // What happens to booking i: by (i / 3) % 9, so each property sees every outcome. `then`: an accepted stay
    // cancelled `later` minutes after its acceptance, for that reason.
    interface Plan { id: number, status: string, reason: string | null, minutes: number, then?: string, later?: number }
    const plans = ids.map((id, i): Plan | undefined => {
      const kind = Math.floor(i / 3) % 9
      const minutes = (i * 37) % 1440 + 1
      if (kind <= 1) return { id, status: 'accepted', reason: null, minutes }
      if (kind === 2) return { id, status: 'cancelled', reason: 'owner_declined', minutes: (i * 53) % 720 + 1 }
      if (kind === 3) return { id, status: 'cancelled', reason: 'expired', minutes: 1440 }
      if (kind === 4) return { id, status: 'cancelled', reason: 'traveler_cancelled', minutes: 90 }
      if (kind === 5) return { id, status: 'cancelled', reason: 'dates_taken', minutes: 30 }
      if (kind === 6) return { id, status: 'accepted', reason: null, minutes, then: 'traveler_cancelled', later: 2000 }
      if (kind === 7) return { id, status: 'accepted', reason: null, minutes, then: 'owner_declined', later: 45 }
      return undefined // pending
    }).filter(p => p !== undefined)
    const status = async (list: Plan[], previous: string | null) => client.query(`
      WITH plan AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS p(id, status, reason, minutes)),
      u AS (UPDATE bookings b SET status = p.status, updated_at = b.updated_at + p.minutes * interval '1 minute' FROM plan p WHERE b.id = p.id RETURNING b.*)
      INSERT INTO outbox (event_id, topic, key, payload)
      SELECT gen_random_uuid(), $5, u.id::text,
             CASE WHEN p.status = 'cancelled' AND u.id % 2 = 0 THEN (booking_status_payload(ROW(u.*)::bookings, p.reason)::jsonb || jsonb_build_object('previous_status', $6::text))::text
                  ELSE booking_status_payload(ROW(u.*)::bookings, p.reason) END
        FROM u JOIN plan p USING (id) ORDER BY u.id`,
    [list.map(p => p.id), list.map(p => p.status), list.map(p => p.reason), list.map(p => p.minutes), TOPICS.statusUpdated, previous])
    await status(plans, 'pending')
    const later = plans.filter(p => p.then).map(p => ({ ...p, status: 'cancelled', reason: p.then!, minutes: p.later! }))
    await status(later, 'accepted')
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK')
    throw err
  } finally {
    client.release()
  }
  const { rows: [span] } = await stack.db.query(`SELECT min(created_at AT TIME ZONE 'UTC')::date::text AS first,
    max(greatest(updated_at AT TIME ZONE 'UTC', (end_date - 1)::timestamp))::date::text AS last FROM bookings`)
  from = span.first
  to = span.last
}

async function caughtUp () {
  await waitFor('the outbox published', async () => (await stack.db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0, 30_000)
  await waitFor('the analytics group caught up on both topics', async () =>
    await groupCaughtUp(stack.brokers, GROUP, TOPICS.created) && await groupCaughtUp(stack.brokers, GROUP, TOPICS.statusUpdated), 60_000)
}

/**
 * The figures per property and day, computed from the bookings table: requests, dates and prices from the rows; when
 * each was accepted or cancelled, and why, from its events in the outbox (a cancel of a stay accepted before is a
 * cancellation of a stay, not a decline or a withdrawal).
 */
async function fromBookings () {
  const BOOKINGS = `
    WITH ev AS (SELECT o.key::bigint AS id, o.payload::jsonb AS p FROM outbox o WHERE o.topic = $2),
    b AS (
      SELECT b.*, a.at AS accepted_at, c.at AS cancelled_at, c.why
        FROM bookings b
        LEFT JOIN LATERAL (SELECT (p->>'updated_at')::timestamptz AS at FROM ev WHERE ev.id = b.id AND p->>'status' = 'accepted') a ON true
        LEFT JOIN LATERAL (SELECT (p->>'updated_at')::timestamptz AS at, p->>'reason' AS why FROM ev WHERE ev.id = b.id AND p->>'status' = 'cancelled') c ON true
       WHERE b.property_id = ANY($1)
    )`
  const { rows } = await stack.db.query(`${BOOKINGS}, ev2 AS (
      SELECT property_id, (created_at AT TIME ZONE 'UTC')::date AS day, 'requests' AS what, 0::numeric AS revenue FROM b
      UNION ALL SELECT property_id, (accepted_at AT TIME ZONE 'UTC')::date, 'accepted', 0 FROM b WHERE accepted_at IS NOT NULL
      UNION ALL SELECT property_id, (cancelled_at AT TIME ZONE 'UTC')::date,
                       CASE WHEN why IN ('expired', 'dates_taken') THEN why
                            WHEN accepted_at IS NOT NULL THEN CASE why WHEN 'owner_declined' THEN 'cancelled_by_owner' ELSE 'cancelled_by_traveler' END
                            ELSE CASE why WHEN 'owner_declined' THEN 'declined' ELSE 'withdrawn' END END, 0
                  FROM b WHERE cancelled_at IS NOT NULL
      UNION ALL SELECT property_id, n::date, 'nights_booked', total_price / (end_date - start_date)
                  FROM b, generate_series(start_date, end_date - 1, interval '1 day') n WHERE status = 'accepted'
    )
    SELECT property_id, day::text AS date,
           count(*) FILTER (WHERE what = 'requests')::int AS requests, count(*) FILTER (WHERE what = 'accepted')::int AS accepted,
           count(*) FILTER (WHERE what IN ('declined', 'withdrawn', 'cancelled_by_traveler', 'cancelled_by_owner', 'dates_taken'))::int AS cancelled,
           count(*) FILTER (WHERE what = 'expired')::int AS expired, count(*) FILTER (WHERE what = 'declined')::int AS declined,
           count(*) FILTER (WHERE what = 'withdrawn')::int AS withdrawn, count(*) FILTER (WHERE what = 'cancelled_by_traveler')::int AS cancelled_by_traveler,
           count(*) FILTER (WHERE what = 'cancelled_by_owner')::int AS cancelled_by_owner, count(*) FILTER (WHERE what = 'dates_taken')::int AS dates_taken,
           count(*) FILTER (WHERE what = 'nights_booked')::int AS nights_booked, sum(revenue)::float8 AS revenue
      FROM ev2 GROUP BY 1, 2 ORDER BY 1, 2`, [propertyIds, TOPICS.statusUpdated])
  const medians = await stack.db.query(`${BOOKINGS}
    SELECT property_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(accepted_at, cancelled_at) - created_at) / 60) AS m
      FROM b WHERE accepted_at IS NOT NULL OR why = 'owner_declined'
     GROUP BY property_id ORDER BY property_id`, [propertyIds, TOPICS.statusUpdated])
  const listed = await stack.db.query("SELECT id, (created_at AT TIME ZONE 'UTC')::date::text AS listed FROM properties WHERE id = ANY($1)", [propertyIds])
  return {
    days: rows,
    medians: new Map(medians.rows.map(r => [r.property_id, Math.round(r.m * 1000) / 1000])),
    listed: new Map(listed.rows.map(r => [Number(r.id), r.listed as string]))
  }
}

const FIELDS = ['requests', 'accepted', 'cancelled', 'expired', 'declined', 'withdrawn', 'cancelled_by_traveler', 'cancelled_by_owner', 'dates_taken', 'nights_booked', 'revenue'] as const

async function analytics (query = '') {
  // The API's port changes when the pieces restart: the same session, at the current address.
  const client = new Client(stack.url)
  client.cookie = owner.cookie
  const res = await client.get(`/api/owner/analytics?from=${from}&to=${to}${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

/** Nights of from..to (inclusive) on or after `listed`. */
const nightsListed = (listed: string, a: string, b: string) => listed > b ? 0 : (Date.parse(b) - Date.parse(listed > a ? listed : a)) / 86_400_000 + 1

test('the figures match a recomputation from the bookings table, per property and day, across month boundaries', async () => {
  assert.ok(from.slice(0, 7) < to.slice(0, 7), `the range ${from}..${to} crosses months`)
  const expected = await fromBookings()
  assert.ok(expected.days.length > 200, `${expected.days.length} property-days`)
  for (const f of FIELDS) assert.ok(expected.days.some(d => d[f] > 0), `the history has some ${f}`)
  for (const id of propertyIds) {
    const body = await analytics(`&property_id=${id}`)
    const got = body.by_day
      .filter((d: Record<string, number>) => FIELDS.some(f => d[f] !== 0))
      .map((d: Record<string, number | string>) => ({ property_id: id, date: d.date, ...Object.fromEntries(FIELDS.map(f => [f, d[f]])) }))
    assert.deepEqual(got, expected.days.filter(d => d.property_id === id), `property ${id}`)
    assert.equal(body.by_property[0].median_response_minutes, expected.medians.get(id))
    assert.equal(body.by_property[0].listed_nights, nightsListed(expected.listed.get(id)!, from, to), `property ${id}: listed nights`)
  }
  const all = await analytics()
  const sum = (f: typeof FIELDS[number]) => expected.days.reduce((n, d) => n + d[f], 0)
  for (const f of FIELDS) assert.ok(Math.abs(all.totals[f] - sum(f)) < 0.001, `${f}: ${all.totals[f]} vs ${sum(f)}`)
  assert.equal(all.totals.requests, COUNT + 3)
  const listedNights = propertyIds.reduce((n, id) => n + nightsListed(expected.listed.get(id)!, from, to), 0)
  assert.equal(all.totals.listed_nights, listedNights)
  assert.equal(all.totals.occupancy, Math.round(sum('nights_booked') / listedNights * 10_000) / 10_000)
  assert.deepEqual(all.by_property.map((p: { property_id: number }) => p.property_id), propertyIds)
})

test('a period whose edges cut through stays counts only the nights, and their price, inside it', async () => {
  const expected = await fromBookings()
  // Every window of 10 days whose edges cut through some accepted stay, across the history.
  const cut = await stack.db.query(`SELECT DISTINCT s::date::text AS a, (s::date + 9)::text AS b FROM bookings b,
      LATERAL (SELECT b.start_date + 1 AS s) x WHERE b.status = 'accepted' AND b.end_date - b.start_date > 1 AND b.property_id = ANY($1) LIMIT 5`, [propertyIds])
  assert.ok(cut.rows.length > 0)
  for (const { a, b } of cut.rows) {
    const client = new Client(stack.url)
    client.cookie = owner.cookie
    const body = (await client.get(`/api/owner/analytics?from=${a}&to=${b}`)).body
    const inside = expected.days.filter(d => d.date >= a && d.date <= b)
    for (const f of FIELDS) {
      const want = inside.reduce((n, d) => n + d[f], 0)
      assert.ok(Math.abs(body.totals[f] - want) < 0.001, `${a}..${b} ${f}: ${body.totals[f]} vs ${want}`)
    }
    const listedNights = propertyIds.reduce((n, id) => n + nightsListed(expected.listed.get(id)!, a, b), 0)
    assert.equal(body.totals.occupancy, Math.round(body.totals.nights_booked / listedNights * 10_000) / 10_000)
  }
})

const snapshot = async () => ({
  daily: (await stack.db.query('SELECT * FROM analytics_daily WHERE (requests, accepted, cancelled, expired, nights_booked, revenue) <> (0, 0, 0, 0, 0, 0) ORDER BY property_id, day')).rows,
  bookings: (await stack.db.query('SELECT * FROM analytics_bookings ORDER BY booking_id')).rows,
  reply: await analytics()
})

test('replaying both topics from the beginning into empty tables gives exactly the same figures', async () => {
  const before = await snapshot()
  assert.ok(before.bookings.length === COUNT + 3)
  await stack.stopPieces()
  await waitFor('the group to be empty', () => groupIsEmpty(stack.brokers, GROUP))
  await stack.db.query('TRUNCATE analytics_daily, analytics_bookings')
  await stack.db.query('DELETE FROM processed_events WHERE consumer_group = $1', [GROUP])
  const env = { DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: stack.brokers.join(','), LOG_LEVEL: 'warn' }
  for (const topic of [TOPICS.created, TOPICS.statusUpdated]) {
    const replayed = await run(['replay', '--group', GROUP, '--topic', topic, '--from-beginning'], env)
    assert.equal(replayed.code, 0, replayed.stderr)
  }
  await stack.startPieces()
  await caughtUp()
  assert.deepEqual(await snapshot(), before)
})
