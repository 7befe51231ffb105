import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { loadConfig } from '../src/config.ts'
import { createProducer } from '../src/kafka/client/clients.ts'
import { createLogger } from '../src/log.ts'
import { collectKafka } from '../src/metrics/kafka.ts'
import { createMetrics } from '../src/metrics/registry.ts'
import { startPieces } from '../src/services.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { find, parseMetrics, scrape, total } from './helpers/metrics.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// The metrics every process exports (docs/operations.md), read over HTTP as Prometheus reads them.

let stack: Stack
before(async () => {
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler'], operationsPort: true },
    env: { METRICS_PORT: '0' }
  })
})
after(async () => { await stack?.stop() })

const OWNER = 'owner-service-group'

test('the API times requests by route template and status, never by raw URL; /metrics is Prometheus text on METRICS_PORT, never on the API\'s port', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const onApiPort = await traveler.request('GET', '/metrics')
  assert.equal(onApiPort.status, 404, 'whatever routes the API port to the world cannot expose the metrics')
  assert.equal(onApiPort.body.code, 'NOT_FOUND')
  await traveler.request('GET', '/api/bookings/987654321')
  await traveler.request('GET', '/no/such/route/123456789')
  const { text, samples, contentType } = await scrape(stack.running.operationsUrl!)
  assert.match(contentType, /^text\/plain; version=0\.0\.4/)
  assert.ok(total(samples, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/bookings/:id', status: '404' })! >= 1)
  assert.ok(total(samples, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })! >= 1)
  assert.ok(total(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/register', status: '201' })! >= 1)
  assert.doesNotMatch(text, /987654321|123456789/, 'no id or raw path in any label')
  assert.ok(find(samples, 'process_cpu_seconds_total').length === 1, "Node's default metrics")
  for (const name of ['hostly_live_sockets', 'hostly_emails_total', 'hostly_db_pool_in_use', 'hostly_db_pool_waiting']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is defined`)
  }
})

// One lag series per group, topic and partition: the owner group reads both topics (it hears of cancellations and
// expiries too), the traveler group booking-status-updated; three partitions each.
const LAG_SERIES = (2 + 1) * 3

test('a booking shows in the outbox, relay, consumer and end-to-end metrics; the lag read from Kafka returns to 0', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const booking = await book(traveler, property.id, 20)
  assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
  await waitFor('both notifications', async () =>
    (await stack.db.query('SELECT count(*)::int AS n FROM notifications WHERE booking_id = $1', [booking.id])).rows[0].n === 2)
  await waitFor('both groups to commit', async () =>
    await groupCaughtUp(stack.brokers, OWNER, TOPICS.created) && await groupCaughtUp(stack.brokers, OWNER, TOPICS.statusUpdated) &&
    await groupCaughtUp(stack.brokers, 'traveler-service-group', TOPICS.statusUpdated))

  const samples = await waitFor('lag 0 on every partition of both topics', async () => {
    const { samples } = await scrape(stack.running.operationsUrl!)
    const lag = find(samples, 'hostly_consumer_lag')
    return lag.length === LAG_SERIES && lag.every(s => s.value === 0) ? samples : undefined
  }, 20_000)
  assert.deepEqual(new Set(find(samples, 'hostly_consumer_lag').map(s => `${s.labels.group} ${s.labels.topic}`)),
    new Set([`${OWNER} booking-created`, `${OWNER} booking-status-updated`, 'traveler-service-group booking-status-updated']))
  assert.ok(total(samples, 'hostly_events_total', { group: OWNER, topic: TOPICS.created, outcome: 'processed' })! >= 1)
  assert.ok(total(samples, 'hostly_events_total', { group: 'traveler-service-group', topic: TOPICS.statusUpdated, outcome: 'processed' })! >= 1)
  assert.ok(total(samples, 'hostly_event_end_to_end_seconds_count', { group: OWNER })! >= 1)
  assert.ok(total(samples, 'hostly_relay_publish_duration_seconds_count')! >= 1)
  assert.equal(total(samples, 'hostly_relay_leader'), 1)
  assert.equal(total(samples, 'hostly_outbox_pending'), 0)
  assert.equal(total(samples, 'hostly_outbox_oldest_pending_age_seconds'), 0)
  assert.equal(total(samples, 'hostly_dead_letters', { topic: TOPICS.created }), 0)
})

test('a poison record counts as dead_lettered and shows in hostly_dead_letters of its topic', async () => {
  const producer = createProducer(stack.brokers, 'test-poison')
  try {
    await producer.send({ messages: [{ topic: TOPICS.created, key: '1', value: 'not json' }] })
  } finally {
    await producer.close()
  }
  const samples = await waitFor('the letter in the metrics', async () => {
    const { samples } = await scrape(stack.running.operationsUrl!)
    return total(samples, 'hostly_dead_letters', { topic: TOPICS.created }) === 1 ? samples : undefined
  }, 20_000)
  assert.equal(total(samples, 'hostly_events_total', { group: OWNER, topic: TOPICS.created, outcome: 'dead_lettered' }), 1)
})

test('hostly_consumer_lag of a group that never committed is every record still kept', async () => {
  const metrics = createMetrics()
  const kafka = collectKafka(metrics, stack.brokers, [{ group: 'a-group-that-never-ran', topics: [TOPICS.created] }])
  try {
    const lag = total(parseMetrics(await metrics.render()), 'hostly_consumer_lag')
    // Every booking-created so far (the bookings above, the poison record) is waiting for that group.
    assert.ok(lag !== undefined && lag >= 2, `lag ${lag}`)
  } finally {
    await kafka.stop()
  }
})

test('the operations port of a worker: /healthz, /readyz and /metrics; other methods 405', async () => {
  const url = stack.running.operationsUrl!
  assert.ok(url)
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' })
  assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' })
  const { samples } = await scrape(url)
  assert.equal(find(samples, 'hostly_consumer_lag').length, LAG_SERIES)
  const post = await fetch(`${url}/metrics`, { method: 'POST' })
  assert.equal(post.status, 405)
  assert.equal((await post.json()).code, 'METHOD_NOT_ALLOWED')
  assert.equal((await fetch(`${url}/nope`)).status, 404)
})

test('with Kafka unreachable a worker is not ready (naming kafka), and the API alone still is', async () => {
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: '127.0.0.1:1', PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0' })
  const log = createLogger('silent')
  const worker = await startPieces(config, { workers: ['owner'], operationsPort: true }, log)
  const api = await startPieces(config, { api: true }, log)
  try {
    const res = await fetch(`${worker.operationsUrl}/readyz`)
    assert.equal(res.status, 503)
    const body = await res.json()
    assert.equal(body.code, 'NOT_READY')
    assert.deepEqual(body.down, { kafka: 'unavailable' })
    assert.equal((await new Client(api.url!).request('GET', '/readyz')).status, 200)
  } finally {
    await Promise.all([worker.stop(), api.stop()])
  }
})
