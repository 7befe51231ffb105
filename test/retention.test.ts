import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { ConfigResourceTypes } from '@platformatic/kafka'
import { loadConfig } from '../src/config.ts'
import { createAdmin, ensureTopics, kafkaName } from '../src/kafka/client/clients.ts'
import { createPool, type Pool } from '../src/db/pool.ts'
import { sweepRetention, sweepTable } from '../src/db/retention.ts'
import { createLogger } from '../src/log.ts'
import { startPieces } from '../src/services.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Old rows go, young rows stay, several sweepers share the work, and nothing de-duplication needs goes early.

const DAY = 86_400_000
const policy = { outboxRetentionMs: 7 * DAY, processedEventsRetentionMs: 14 * DAY, loginFailuresRetentionMs: DAY }

let stack: Stack
before(async () => {
  // No sweeper in the background: these tests sweep by hand, except the one that starts it.
  stack = await startStack({ pieces: { api: true, relay: true }, env: { KAFKA_TOPIC_RETENTION: '2d' } })
})
after(async () => { await stack?.stop() })

const count = async (sql: string, values: unknown[] = []) => (await stack.db.query(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0].n

/** processed_events rows processed `daysAgo` days ago, in a group of their own. */
async function processed (group: string, daysAgo: number, n: number) {
  await stack.db.query(`INSERT INTO processed_events (consumer_group, event_id, processed_at)
                        SELECT $1, gen_random_uuid(), now() - make_interval(days => $2) FROM generate_series(1, $3)`, [group, daysAgo, n])
}

test('a sweep deletes old published outbox rows, processed events, expired sessions and login failures; young and unpublished rows stay', async () => {
  const user = (await stack.db.query('INSERT INTO users (name, email, password_hash, role) VALUES (\'Old\', $1, \'x\', \'traveler\') RETURNING id', [`${randomUUID()}@example.com`])).rows[0].id
  const outbox = (publishedDaysAgo: number | null, createdDaysAgo: number) => stack.db.query(
    `INSERT INTO outbox (event_id, topic, key, payload, created_at, published_at)
     VALUES (gen_random_uuid(), 'sweep-test', 'k', '{}', now() - make_interval(days => $1), now() - make_interval(days => $2)) RETURNING id`,
    [createdDaysAgo, publishedDaysAgo]).then(r => r.rows[0].id)
  const oldPublished = await outbox(8, 8)
  const youngPublished = await outbox(6, 8)
  const oldUnpublished = await outbox(null, 30)
  await processed('sweep-one', 15, 3)
  await processed('sweep-one', 13, 2)
  const session = (expiresInHours: number) => stack.db.query(
    'INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))', [Buffer.from(randomUUID()), user, expiresInHours])
  await session(-1)
  await session(1)
  await stack.db.query('INSERT INTO login_failures (email, failed_at) VALUES (\'old@example.com\', now() - interval \'25 hours\'), (\'new@example.com\', now() - interval \'23 hours\')')

  // Batches of 2: the sweep goes on past a full batch.
  const deleted = await sweepRetention(stack.db, policy, 2)
  assert.deepEqual(deleted, { outbox: 1, processed_events: 3, sessions: 1, login_failures: 1 })
  const left = (await stack.db.query('SELECT id FROM outbox WHERE topic = \'sweep-test\' ORDER BY id')).rows.map(r => r.id)
  assert.deepEqual(left, [youngPublished, oldUnpublished], `${oldPublished} went`)
  assert.equal(await count('processed_events WHERE consumer_group = \'sweep-one\''), 2, 'the 13-day-old records stay')
  assert.equal(await count('sessions WHERE user_id = $1', [user]), 1, 'the live session stays')
  assert.deepEqual((await stack.db.query('SELECT email FROM login_failures')).rows.map(r => r.email), ['new@example.com'])
})

test('the outbox has no index on a time: its sweep stops at the first id written after the cutoff, found by bisection', async () => {
  const client = await stack.db.connect()
  try {
    await client.query('BEGIN') // the outbox as this test makes it, rolled back at the end
    await client.query('DELETE FROM outbox')
    const since = async (daysAgo: number) =>
      (await client.query('SELECT outbox_first_id_since(now() - $1::float8 * interval \'1 day\') AS id', [daysAgo])).rows[0].id as number
    assert.equal(await since(7), 0, 'an empty outbox')
    // Rows written 20, 19, …, 1 days ago, in id order, and one written 30 days ago by a transaction that ran long
    // (an id later than its time).
    const ids: number[] = []
    for (const daysAgo of [...Array.from({ length: 20 }, (_, i) => 20 - i), 30]) {
      ids.push((await client.query(`INSERT INTO outbox (event_id, topic, key, payload, created_at)
        VALUES (gen_random_uuid(), 'bisect-test', 'k', '{}', now() - make_interval(days => $1)) RETURNING id`, [daysAgo])).rows[0].id)
    }
    // The row written 7 days ago is the first since 7.5 days ago; the long transaction's row, older but above it,
    // waits for a sweep whose bound has passed it.
    assert.equal(await since(7.5), ids[13])
    assert.equal(await since(25), ids[0], 'every row is younger, but for the long transaction\'s')
    assert.equal(await since(0.5), ids[20] + 1, 'every row is older')
  } finally {
    await client.query('ROLLBACK')
    client.release()
  }
})

test('two sweepers at once delete each old row once and leave the young ones', async () => {
  await processed('sweep-two', 20, 3000)
  await processed('sweep-two', 1, 500)
  const pools: Pool[] = [createPool(stack.databaseUrl, 1), createPool(stack.databaseUrl, 1)]
  try {
    const [a, b] = await Promise.all(pools.map(pool => sweepTable(pool, 'processed_events', policy, 100)))
    assert.equal(a + b, 3000, `each old row deleted once (${a} + ${b})`)
  } finally {
    await Promise.all(pools.map(p => p.end()))
  }
  assert.equal(await count('processed_events WHERE consumer_group = \'sweep-two\''), 500)
})

test('processed events outlive every copy of their event in Kafka: a shorter retention is refused', () => {
  const accepted = loadConfig({ KAFKA_TOPIC_RETENTION: '7d' })
  assert.equal(accepted.processedEventsRetentionMs, 14 * DAY)
  assert.ok(accepted.processedEventsRetentionMs >= accepted.kafkaTopicRetentionMs + DAY + 3_600_000)
  assert.throws(() => loadConfig({ PROCESSED_EVENTS_RETENTION: '7d' }), /PROCESSED_EVENTS_RETENTION must be at least 8d1h \(KAFKA_TOPIC_RETENTION/)
  assert.throws(() => loadConfig({ KAFKA_TOPIC_RETENTION: '30d' }), /PROCESSED_EVENTS_RETENTION must be at least 31d1h/)
  assert.equal(loadConfig({ KAFKA_TOPIC_RETENTION: '30d', PROCESSED_EVENTS_RETENTION: '32d' }).processedEventsRetentionMs, 32 * DAY)
  assert.throws(() => loadConfig({ LOGIN_FAILURES_RETENTION: '10m' }), /LOGIN_FAILURES_RETENTION must be at least 15m/)
})

test('the sweeper that hostly start and hostly relay run deletes old rows by itself', async () => {
  await processed('sweep-loop', 15, 5)
  await processed('sweep-loop', 0, 1)
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, RETENTION_SWEEP_INTERVAL: '200ms', EXPIRY_SWEEP_INTERVAL: '1h' })
  const sweeper = await startPieces(config, { sweeper: true }, createLogger('silent'))
  try {
    await waitFor('the old records swept', async () => (await count('processed_events WHERE consumer_group = \'sweep-loop\'')) === 1, 15_000)
  } finally {
    await sweeper.stop()
  }
})

test('every topic gets retention.ms and segment.ms, those that existed before too', async () => {
  const describe = async (topics: string[]) => {
    const admin = createAdmin(stack.brokers)
    try {
      const found = await admin.describeConfigs({ resources: topics.map(topic => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: kafkaName(topic), configurationKeys: ['retention.ms', 'segment.ms'] })) })
      return found.map(r => Object.fromEntries(r.configs.map(c => [c.name, c.value])))
    } finally {
      await admin.close()
    }
  }
  await ensureTopics(stack.brokers, ['retention-older']) // as someone else made it: Kafka's defaults
  await ensureTopics(stack.brokers, ['retention-older', 'retention-new'], 3 * DAY)
  // The controller has the change when ensureTopics returns; the broker that answers DescribeConfigs applies it
  // to its own metadata a moment later (measured here: a third to two thirds of first reads were stale).
  const wanted = { 'retention.ms': String(3 * DAY), 'segment.ms': String(DAY) }
  const seen = await waitFor('the new retention in the broker\'s metadata', async () => {
    const found = await describe(['retention-older', 'retention-new'])
    return found.every(c => c['retention.ms'] === wanted['retention.ms']) && found
  })
  assert.deepEqual(seen, [wanted, wanted])
  // And the relay's own topics, with KAFKA_TOPIC_RETENTION=2d.
  await waitFor('the relay made its topics', async () => {
    const admin = createAdmin(stack.brokers)
    try { return (await admin.listTopics()).includes(kafkaName('booking-created.dlq')) } finally { await admin.close() }
  })
  for (const c of await describe(['booking-created', 'booking-status-updated.retry', 'booking-created.dlq'])) {
    assert.deepEqual(c, { 'retention.ms': String(2 * DAY), 'segment.ms': String(DAY) })
  }
})

test('the database refuses a second notification of one event to one recipient', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 10)
  const eventId = randomUUID()
  const insert = (userId: number) => stack.db.query(
    'INSERT INTO notifications (user_id, type, booking_id, event_id, message) VALUES ($1, \'booking_requested\', $2, $3, \'hello\')',
    [userId, booking.id, eventId])
  const { ownerId, travelerId } = (await stack.db.query(
    'SELECT p.owner_id AS "ownerId", b.traveler_id AS "travelerId" FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1',
    [booking.id])).rows[0]
  await insert(ownerId)
  await assert.rejects(insert(ownerId), (err: { code?: string, constraint?: string }) =>
    err.code === '23505' && err.constraint === 'notifications_event_recipient_key')
  await insert(travelerId)
  assert.equal(await count('notifications WHERE event_id = $1', [eventId]), 2, 'another recipient of the same event is fine')
})
