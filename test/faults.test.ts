import assert from 'node:assert/strict'
import { after, before, test, type TestContext } from 'node:test'
import pg from 'pg'
import { TOPICS } from '../src/bookings/events.ts'
import { createProducer } from '../src/kafka/client/clients.ts'
import { freePort } from '../src/kafka/local/broker.ts'
import { deadLetterTopic } from '../src/kafka/client/topics.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp, recordTopics } from './helpers/kafka.ts'
import { burst, steady } from './helpers/load.ts'
import { cleanUp, consumersJoined, databases, explained, hostly, lineMatching, output, stop, type Hostly } from './helpers/processes.ts'
import { freshBroker, freshDatabase } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// Fault injection with real processes: hostly started and killed as in production, a real broker stopped
// and restarted, PostgreSQL connections terminated. Each test reports its figures (sent, received,
// duplicated, lost) as a diagnostic; docs/reliability.md quotes them.

let broker: Awaited<ReturnType<typeof freshBroker>>
let databaseUrl: string
let db: pg.Pool
before(async () => {
  broker = await freshBroker()
  databaseUrl = await freshDatabase()
  databases.push(databaseUrl)
  db = new pg.Pool({ connectionString: databaseUrl, max: 3 })
  db.on('error', () => {}) // test c terminates its idle connections too
})
after(async () => {
  await db?.end()
  await cleanUp()
  await broker?.stop()
})

const env = (more: Record<string, string> = {}) => ({
  DATABASE_URL: databaseUrl, KAFKA_BROKERS: broker.brokers, KAFKA_SESSION_TIMEOUT_MS: '6000', RELAY_POLL_MS: '200', ...more
})

/** hostly start on a free port, ready: listening and its consumers in their groups. */
async function startHostly (): Promise<{ p: Hostly, url: string }> {
  const p = hostly(['start'], env({ PORT: String(await freePort()) }))
  const [, url] = await lineMatching(p, /^Hostly listening on (http:\/\/\S+)/)
  await consumersJoined(p)
  return { p, url }
}

/** Notifications of the given type per booking id, for the ids given. */
async function notificationCounts (ids: number[], type = 'booking_requested') {
  const { rows } = await db.query(
    'SELECT booking_id, count(*)::int AS n FROM notifications WHERE booking_id = ANY($1) AND type = $2 GROUP BY booking_id', [ids, type])
  return new Map<number, number>(rows.map(r => [r.booking_id, r.n]))
}

/** Waits for every booking's notification, then reports sent / received / duplicated / lost. */
async function delivered (t: TestContext, what: string, ids: number[], processes: Record<string, Hostly>, timeoutMs = 90_000) {
  await explained((async () => {
    await waitFor(`${ids.length} notifications`, async () => (await notificationCounts(ids)).size === ids.length, timeoutMs, 250)
    await waitFor('the owner service to commit all', () => groupCaughtUp([broker.brokers], 'owner-service-group', TOPICS.created), 30_000)
  })(), processes)
  const counts = await notificationCounts(ids)
  const figures = {
    sent: ids.length,
    received: counts.size,
    duplicated: [...counts.values()].filter(n => n > 1).length,
    lost: ids.filter(id => !counts.has(id)).length
  }
  t.diagnostic(`figures ${what}: ${JSON.stringify(figures)}`)
  assert.deepEqual(figures, { sent: ids.length, received: ids.length, duplicated: 0, lost: 0 })
}

async function scene (url: string) {
  const owner = await signUp(url, 'owner')
  const traveler = await signUp(url, 'traveler')
  const property = await listProperty(owner, { max_guests: 10 })
  // Pending requests may overlap each other: one stay serves every request of a scene.
  const request = () => traveler.post('/api/bookings', { property_id: property.id, ...stay(30, 2), num_guests: 1 })
  return { owner, traveler, property, request }
}

// The fixed times in scenes a and c are the faults' own shape (load before, during and after an outage of a
// set length), not waits for an outcome: every outcome is awaited by waitFor or by the processes' exits.
test('a: the broker stopped for 10 s while bookings keep arriving: every one 201, every event delivered once', { timeout: 180_000 }, async t => {
  const { p, url } = await startHostly()
  const { request } = await scene(url)
  const load = steady(50, 600, request) // 20 bookings a second, at most 30 s
  await new Promise(resolve => setTimeout(resolve, 2000))
  await broker.stop()
  await new Promise(resolve => setTimeout(resolve, 10_000))
  await broker.restart()
  await new Promise(resolve => setTimeout(resolve, 2000))
  const results = await load.stop()

  const statuses = results.map(r => (r.ok ? r.value.status : r.error.message))
  assert.ok(statuses.every(s => s === 201), `every booking answered 201: ${[...new Set(statuses)]}`)
  await delivered(t, 'broker down 10 s', results.map(r => (r.ok ? r.value.body.booking.id : 0)), { hostly: p })
  assert.deepEqual([(await stop(p, 'SIGTERM')).code], [0])
})

test('b: a worker killed with SIGKILL in a stream of 500 events, then restarted: each notification once', { timeout: 240_000 }, async t => {
  const api = hostly(['api'], env({ PORT: String(await freePort()) }))
  const [, url] = await lineMatching(api, /^Hostly listening on (http:\/\/\S+)/)
  const relay = hostly(['relay'], env())
  let worker = hostly(['worker', 'owner'], env())
  await consumersJoined(worker, 2)
  const { property, request } = await scene(url)

  const load = burst(500, 16, request)
  await waitFor('the worker to be midway', async () => {
    const { rows: [{ n }] } = await db.query(
      'SELECT count(*)::int AS n FROM notifications n JOIN bookings b ON b.id = n.booking_id WHERE b.property_id = $1', [property.id])
    return n >= 100
  }, 60_000, 20)
  worker.child.kill('SIGKILL')
  await worker.exited
  const results = await load
  assert.ok(results.every(r => r.ok && r.value.status === 201), 'the API never needed the worker')
  const ids = results.map(r => (r.ok ? r.value.body.booking.id : 0))
  const beforeRestart = (await notificationCounts(ids)).size
  t.diagnostic(`worker killed after ${beforeRestart} of 500 notifications`)
  assert.ok(beforeRestart < 500, 'killed midway')

  worker = hostly(['worker', 'owner'], env())
  await delivered(t, 'worker SIGKILL', ids, { api, relay, worker })
  for (const child of [api, relay, worker]) assert.equal((await stop(child, 'SIGTERM')).code, 0, output(child))
})

test('c: PostgreSQL connections terminated under load: 503 with a message meanwhile, recovery without restart, nothing half-written', { timeout: 180_000 }, async t => {
  const { p, url } = await startHostly()
  const { request } = await scene(url)
  const load = steady(20, 400, request)
  await new Promise(resolve => setTimeout(resolve, 1000))
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  const killer = setInterval(() => {
    admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()`).catch(() => {})
  }, 100)
  await new Promise(resolve => setTimeout(resolve, 3000))
  clearInterval(killer)
  await new Promise(resolve => setTimeout(resolve, 3000))
  const results = await load.stop()
  await admin.end()

  const replies = results.map(r => { if (!r.ok) throw r.error; return r.value })
  const byStatus = Object.groupBy(replies, r => String(r.status))
  t.diagnostic(`statuses during termination: ${JSON.stringify(Object.fromEntries(Object.entries(byStatus).map(([s, rs]) => [s, rs!.length])))}`)
  assert.deepEqual(Object.keys(byStatus).filter(s => s !== '201' && s !== '503'), [], 'only 201 and 503')
  assert.ok((byStatus['503']?.length ?? 0) > 0, 'the outage was felt')
  for (const r of byStatus['503']!) {
    assert.equal(r.body.code, 'DATABASE_UNAVAILABLE')
    assert.match(r.body.message, /database is unavailable/)
  }
  assert.equal(replies.at(-1)!.status, 201, 'recovered without a restart')
  const after = await request()
  assert.equal(after.status, 201)

  // Nothing half-written: each booking has its event, each event its booking; each 201 is a booking.
  const { rows: [{ orphans }] } = await db.query(
    `SELECT count(*)::int AS orphans FROM bookings b FULL JOIN outbox o ON o.key = b.id::text AND o.topic = $1
      WHERE b.id IS NULL OR o.id IS NULL`, [TOPICS.created])
  assert.equal(orphans, 0)
  const created = byStatus['201']!.map(r => r.body.booking.id)
  const { rows: [{ found }] } = await db.query('SELECT count(*)::int AS found FROM bookings WHERE id = ANY($1)', [created])
  assert.equal(found, created.length)
  await delivered(t, 'connections terminated', [...created, after.body.booking.id], { hostly: p })
  assert.equal((await stop(p, 'SIGTERM')).code, 0, output(p))
})

test('d: poison records in both topics reach the dead-letter topics; the consumers keep going', { timeout: 120_000 }, async () => {
  const { p, url } = await startHostly()
  const recorder = await recordTopics([broker.brokers], [deadLetterTopic(TOPICS.created), deadLetterTopic(TOPICS.statusUpdated)])
  try {
    const producer = createProducer([broker.brokers], 'test-poisoner')
    const headers = (topic: string, version = '1') =>
      ({ 'event-id': crypto.randomUUID(), 'event-type': topic, 'event-version': version })
    for (const topic of [TOPICS.created, TOPICS.statusUpdated]) {
      await producer.send({
        messages: [
          { topic, key: `bad-json-${topic}`, value: '{"id": 1,', headers: headers(topic) },
          { topic, key: `missing-${topic}`, value: JSON.stringify({ id: 1, status: 'accepted' }), headers: headers(topic) },
          { topic, key: `version-${topic}`, value: '{}', headers: headers(topic, '9') }
        ]
      })
    }
    await producer.close()
    for (const topic of [TOPICS.created, TOPICS.statusUpdated]) {
      for (const key of [`bad-json-${topic}`, `missing-${topic}`, `version-${topic}`]) {
        const letter = await waitFor(`${key} in the dead-letter topic`, () => recorder.forKey(deadLetterTopic(topic), key)[0])
        assert.equal(letter.headers['error-class'], 'PoisonRecord')
        assert.ok(letter.headers['consumer-group'].endsWith('-service-group'))
      }
    }
    const { owner, request } = await scene(url)
    const booking = (await request()).body.booking
    await owner.post(`/api/bookings/${booking.id}/accept`)
    await waitFor('both services still notify', async () =>
      (await notificationCounts([booking.id])).size === 1 && (await notificationCounts([booking.id], 'booking_accepted')).size === 1)
  } finally {
    await recorder.close()
  }
  assert.equal((await stop(p, 'SIGTERM')).code, 0, output(p))
})

test('e: 50 concurrent accepts and cancels of one booking follow the state machine; the events match the history', { timeout: 180_000 }, async t => {
  const { p, url } = await startHostly()
  const { owner, traveler, property } = await scene(url)
  const recorder = await recordTopics([broker.brokers], [TOPICS.statusUpdated])
  try {
    let transitions = 0
    for (let round = 0; round < 5; round++) {
      const b = await book(traveler, property.id, 100 + round * 5, 2, 1)
      const actions: Array<[Client, 'accept' | 'cancel']> = Array.from({ length: 50 }, (_, i) =>
        [i % 3 === 2 ? traveler : owner, i % 3 === 0 ? 'accept' : 'cancel'])
      // A cancel takes one lock and an accept two, so cancels win a fair start: in odd rounds the
      // cancels leave 20 ms late, so that both legal histories are raced.
      const lag = round % 2 === 1 ? 20 : 0
      const replies = await Promise.all(actions.map(async ([who, action]) => {
        if (action === 'cancel' && lag) await new Promise(resolve => setTimeout(resolve, lag))
        return who.post(`/api/bookings/${b.id}/${action}`)
      }))
      const wins = replies.map((r, i) => [r.status, actions[i][1]] as const).filter(([s]) => s === 200).map(([, a]) => a)
      assert.ok(replies.every(r => r.status === 200 || r.status === 409), 'each either happened or conflicted')
      // Legal histories: pending -> cancelled, or pending -> accepted -> cancelled.
      assert.ok(['cancel', 'accept,cancel'].includes([...wins].sort().join(',')), `wins: ${wins}`)
      const final = (await owner.get(`/api/bookings/${b.id}`)).body.booking.status
      assert.equal(final, 'cancelled')

      const { rows: history } = await db.query(
        'SELECT event_id::text, payload::json->>\'status\' AS status FROM outbox WHERE key = $1 AND topic = $2 ORDER BY id',
        [String(b.id), TOPICS.statusUpdated])
      assert.deepEqual(history.map(h => h.status), wins.includes('accept') ? ['accepted', 'cancelled'] : ['cancelled'])
      await waitFor('the events', () => recorder.forKey(TOPICS.statusUpdated, b.id).length >= history.length)
      const published = recorder.forKey(TOPICS.statusUpdated, b.id)
      assert.deepEqual(published.map(r => r.headers['event-id']), history.map(h => h.event_id), 'one to one, in order')
      assert.deepEqual(published.map(r => JSON.parse(r.value).status), history.map(h => h.status))
      transitions += history.length
    }
    t.diagnostic(`figures races: ${JSON.stringify({ bookings: 5, requests: 250, transitions, events: transitions })}`)
  } finally {
    await recorder.close()
  }
  assert.equal((await stop(p, 'SIGTERM')).code, 0, output(p))
})

test('graceful shutdown: SIGTERM in a burst of bookings exits within 10 s; after a restart nothing is lost or doubled', { timeout: 180_000 }, async t => {
  const first = await startHostly()
  const { property, request } = await scene(first.url)
  const load = burst(400, 32, request)
  await waitFor('the burst under way', async () => {
    const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM bookings WHERE property_id = $1', [property.id])
    return n >= 150
  }, 60_000, 10)
  // Exit 0 means it finished within its own 10 s deadline (src/commands/serve.ts), which otherwise exits 1 naming
  // what had not stopped: waited for a little longer, so that the output says which.
  const exit = await stop(first.p, 'SIGTERM', { timeoutMs: 15_000 })
  assert.deepEqual([exit.code, exit.signal], [0, null], output(first.p))
  const results = await load
  const created = results.filter(r => r.ok && r.value.status === 201).map(r => (r.ok ? r.value.body.booking.id : 0))
  const refused = results.length - created.length
  t.diagnostic(`shutdown: exited ${exit.ms} ms after SIGTERM; ${created.length} bookings answered 201, ${refused} requests refused or cut`)

  const second = await startHostly()
  const { rows } = await db.query('SELECT id FROM bookings WHERE property_id = $1', [property.id])
  const stored = rows.map(r => r.id)
  assert.ok(created.every(id => stored.includes(id)), 'every 201 is stored')
  await delivered(t, 'SIGTERM mid-burst', stored, { hostly: second.p })
  assert.equal((await stop(second.p, 'SIGTERM')).code, 0)
})
