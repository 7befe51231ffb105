import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { createAdmin } from '../src/kafka/client.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
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
 * them (rows, and outbox events made by its payload functions), in one transaction: a third accepted, then
 * declines, expiries, traveler cancels, and pending ones. Accepted stays of a property never overlap.
 */
async function generate (travelerId: number) {
  const client = await stack.db.connect()
  try {
    await client.query('BEGIN')
    await client.query("SET LOCAL hostly.max_pending_per_traveler = '1000000'")
    const { rows } = await client.query(`
      INSERT INTO bookings (property_id, traveler_id, start_date, end_date, num_guests, total_price, created_at, updated_at)
      SELECT ($1::bigint[])[i % 3 + 1], $2, s, s + n, 1, 100.5 * n, t, t
        FROM generate_series(0, $3 - 1) i,
             LATERAL (SELECT date_trunc('day', now()) - interval '120 days' + interval '67 minutes' + i * interval '9 hours 13 minutes' AS t) x,
             LATERAL (SELECT (x.t AT TIME ZONE 'UTC')::date + 7 AS s, CASE WHEN (i / 3) % 6 = 0 THEN 1 ELSE 1 + i % 3 END AS n) y
       ORDER BY i
      RETURNING id`, [propertyIds, travelerId, COUNT])
    const ids = rows.map(r => r.id as number).sort((a, b) => a - b)
    await client.query(`INSERT INTO outbox (event_id, topic, key, payload)
      SELECT gen_random_uuid(), $1, b.id::text, booking_created_payload(b) FROM bookings b WHERE b.id = ANY($2) ORDER BY b.id`, [TOPICS.created, ids])
    // What happens to booking i: by (i / 3) % 6, so each property sees every outcome.
    const plans = ids.map((id, i) => {
      const kind = Math.floor(i / 3) % 6
      if (kind <= 1) return { id, status: 'accepted', reason: null, minutes: (i * 37) % 1440 + 1 }
      if (kind === 2) return { id, status: 'cancelled', reason: 'owner_declined', minutes: (i * 53) % 720 + 1 }
      if (kind === 3) return { id, status: 'cancelled', reason: 'expired', minutes: 1440 }
      if (kind === 4) return { id, status: 'cancelled', reason: 'traveler_cancelled', minutes: 90 }
      return undefined // pending
    }).filter(p => p !== undefined)
    await client.query(`
      WITH plan AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS p(id, status, reason, minutes)),
      u AS (UPDATE bookings b SET status = p.status, updated_at = b.created_at + p.minutes * interval '1 minute' FROM plan p WHERE b.id = p.id RETURNING b.*)
      INSERT INTO outbox (event_id, topic, key, payload)
      SELECT gen_random_uuid(), $5, u.id::text, booking_status_payload(ROW(u.*)::bookings, p.reason) FROM u JOIN plan p USING (id) ORDER BY u.id`,
    [plans.map(p => p.id), plans.map(p => p.status), plans.map(p => p.reason), plans.map(p => p.minutes), TOPICS.statusUpdated])
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

/** The figures per property and day, computed from the bookings table (the reason of a cancel from its event in the outbox). */
async function fromBookings () {
  const { rows } = await stack.db.query(`
    WITH b AS (
      SELECT b.*, (SELECT o.payload::json->>'reason' FROM outbox o WHERE o.topic = $2 AND o.key = b.id::text ORDER BY o.id DESC LIMIT 1) AS reason
        FROM bookings b WHERE b.property_id = ANY($1)
    ), ev AS (
      SELECT property_id, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS requests, 0 AS accepted, 0 AS cancelled, 0 AS expired, 0 AS nights, 0::numeric AS revenue FROM b
      UNION ALL SELECT property_id, (updated_at AT TIME ZONE 'UTC')::date, 0, 1, 0, 0, 0, total_price FROM b WHERE status = 'accepted'
      UNION ALL SELECT property_id, (updated_at AT TIME ZONE 'UTC')::date, 0, 0, (reason <> 'expired')::int, (reason = 'expired')::int, 0, 0 FROM b WHERE status = 'cancelled'
      UNION ALL SELECT property_id, n::date, 0, 0, 0, 0, 1, 0 FROM b, generate_series(start_date, end_date - 1, interval '1 day') n WHERE status = 'accepted'
    )
    SELECT property_id, day::text AS date, sum(requests)::int AS requests, sum(accepted)::int AS accepted, sum(cancelled)::int AS cancelled,
           sum(expired)::int AS expired, sum(nights)::int AS nights_booked, sum(revenue)::float8 AS revenue
      FROM ev GROUP BY 1, 2 ORDER BY 1, 2`, [propertyIds, TOPICS.statusUpdated])
  const medians = await stack.db.query(`
    SELECT property_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at) / 60) AS m
      FROM bookings b WHERE property_id = ANY($1) AND (status = 'accepted' OR
           (SELECT o.payload::json->>'reason' FROM outbox o WHERE o.topic = $2 AND o.key = b.id::text ORDER BY o.id DESC LIMIT 1) = 'owner_declined')
     GROUP BY property_id ORDER BY property_id`, [propertyIds, TOPICS.statusUpdated])
  return { days: rows, medians: new Map(medians.rows.map(r => [r.property_id, Math.round(r.m * 10) / 10])) }
}

const FIELDS = ['requests', 'accepted', 'cancelled', 'expired', 'nights_booked', 'revenue'] as const

async function analytics (query = '') {
  // The API's port changes when the pieces restart: the same session, at the current address.
  const client = new Client(stack.url)
  client.cookie = owner.cookie
  const res = await client.get(`/api/owner/analytics?from=${from}&to=${to}${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

test('the figures match a recomputation from the bookings table, per property and day, across month boundaries', async () => {
  assert.ok(from.slice(0, 7) < to.slice(0, 7), `the range ${from}..${to} crosses months`)
  const expected = await fromBookings()
  assert.ok(expected.days.length > 200, `${expected.days.length} property-days`)
  for (const id of propertyIds) {
    const body = await analytics(`&property_id=${id}`)
    const got = body.by_day
      .filter((d: Record<string, number>) => FIELDS.some(f => d[f] !== 0))
      .map((d: Record<string, number | string>) => ({ property_id: id, date: d.date, ...Object.fromEntries(FIELDS.map(f => [f, d[f]])) }))
    assert.deepEqual(got, expected.days.filter(d => d.property_id === id), `property ${id}`)
    assert.equal(body.by_property[0].median_response_minutes, expected.medians.get(id))
  }
  const all = await analytics()
  const sum = (f: typeof FIELDS[number]) => expected.days.reduce((n, d) => n + d[f], 0)
  for (const f of FIELDS) assert.ok(Math.abs(all.totals[f] - sum(f)) < 0.001, `${f}: ${all.totals[f]} vs ${sum(f)}`)
  assert.equal(all.totals.requests, COUNT + 3)
  assert.equal(all.totals.occupancy, Math.round(sum('nights_booked') / (all.by_day.length * 3) * 10_000) / 10_000)
  assert.deepEqual(all.by_property.map((p: { property_id: number }) => p.property_id), propertyIds)
})

async function groupIsEmpty () {
  const admin = createAdmin(stack.brokers, 'test-groups')
  try {
    return (await admin.describeGroups({ groups: [GROUP] })).get(GROUP)?.members.size === 0
  } finally {
    await admin.close()
  }
}

const snapshot = async () => ({
  daily: (await stack.db.query('SELECT * FROM analytics_daily WHERE (requests, accepted, cancelled, expired, nights_booked, revenue) <> (0, 0, 0, 0, 0, 0) ORDER BY property_id, day')).rows,
  bookings: (await stack.db.query('SELECT * FROM analytics_bookings ORDER BY booking_id')).rows,
  reply: await analytics()
})

test('replaying both topics from the beginning into empty tables gives exactly the same figures', async () => {
  const before = await snapshot()
  assert.ok(before.bookings.length === COUNT + 3)
  await stack.stopPieces()
  await waitFor('the group to be empty', groupIsEmpty)
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
