import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { TOPICS } from '../src/bookings/events.ts'
import { createAdmin, createProducer, kafkaName } from '../src/kafka/client/clients.ts'
import { DISCARDED } from '../src/kafka/tools/dlq.ts'
import { LATEST, offsetsAt } from '../src/kafka/tools/offsets.ts'
import { PermanentEventError } from '../src/kafka/consumer/errors.ts'
import { type ConsumerSpec, type RunningConsumer, startConsumer } from '../src/kafka/consumer/runner.ts'
import { deadLetterTopic, retryTopic } from '../src/kafka/client/topics.ts'
import type { AnyPayload } from '../src/notifications/trust.ts'
import { createLogger } from '../src/log.ts'
import { ownerService, travelerService } from '../src/notifications/consumers.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp, recordTopics } from './helpers/kafka.ts'
import { cleanUp, run } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Failing handlers go round the retry lane, then to the dead-letter topic; poison goes there at once;
// dead letters can be listed and redriven, and each redriven event has one effect.

/** Bookings whose owner notification fails, as a handler bug or a bad row would make it. */
const failing = new Set<number>()
/** Bookings whose event the handler finds can never succeed; how often it was handed each one alone. */
const rejected = new Set<number>()
const aloneCalls = new Map<number, number>()
const flakyOwner: ConsumerSpec<AnyPayload> = {
  ...ownerService,
  async handle (tx, events) {
    const doomed = events.find(e => failing.has(e.payload.id))
    if (doomed) throw new TypeError(`cannot notify about booking ${doomed.payload.id}`)
    const hopeless = events.find(e => rejected.has(e.payload.id))
    if (hopeless) {
      const id = hopeless.payload.id
      if (events.length === 1) aloneCalls.set(id, (aloneCalls.get(id) ?? 0) + 1)
      throw new PermanentEventError('TEST_CONTRADICTION', `booking ${id} contradicts the database`)
    }
    return ownerService.handle(tx, events)
  }
}

let stack: Stack
let recorder: Awaited<ReturnType<typeof recordTopics>>
const consumers: RunningConsumer[] = []
const policy = { handlerAttempts: 2, retryRounds: 2, retryDelayMs: 300 }

before(async () => {
  stack = await startStack({ pieces: { api: true, relay: true } })
  const common = { brokers: stack.brokers, pool: stack.db, log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), sessionTimeoutMs: 6000, policy }
  for (const spec of [flakyOwner, travelerService]) {
    for (const lane of ['main', 'retry'] as const) consumers.push(startConsumer({ ...common, spec, lane }))
  }
  recorder = await recordTopics(stack.brokers, [deadLetterTopic(TOPICS.created), deadLetterTopic(TOPICS.statusUpdated), retryTopic(TOPICS.created)])
})
after(async () => {
  await Promise.all(consumers.map(c => c.stop()))
  await recorder?.close()
  await stack?.stop()
  await cleanUp()
})

const notificationsOf = async (bookingId: number) =>
  (await stack.db.query('SELECT type FROM notifications WHERE booking_id = $1', [bookingId])).rows.length
const env = () => ({ DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: stack.brokers.join(','), LOG_LEVEL: 'warn' })

test('a failing event is retried, then dead-lettered with its story, and the partition goes on', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const doomed = await book(traveler, property.id, 10)
  failing.add(doomed.id)
  // The next bookings may share the doomed one's partition: they must not wait behind it.
  const later = [await book(traveler, property.id, 20), await book(traveler, property.id, 30), await book(traveler, property.id, 40)]
  await waitFor('the later bookings notified', async () => (await Promise.all(later.map(b => notificationsOf(b.id)))).every(n => n === 1))

  const letter = await waitFor('the dead letter', () => recorder.forKey(deadLetterTopic(TOPICS.created), doomed.id)[0], 30_000)
  const outbox = (await stack.db.query('SELECT event_id::text FROM outbox WHERE key = $1', [String(doomed.id)])).rows[0]
  assert.equal(letter.headers['event-id'], outbox.event_id)
  assert.equal(letter.headers['event-type'], TOPICS.created)
  assert.equal(letter.headers['original-topic'], TOPICS.created)
  assert.match(letter.headers['original-partition'], /^[0-2]$/)
  assert.match(letter.headers['original-offset'], /^\d+$/)
  assert.equal(letter.headers['consumer-group'], 'owner-service-group')
  assert.equal(letter.headers['error-class'], 'TypeError')
  assert.equal(letter.headers['error-message'], `cannot notify about booking ${doomed.id}`)
  assert.equal(letter.headers['attempt-count'], String(policy.handlerAttempts * (1 + policy.retryRounds)))
  assert.equal(JSON.parse(letter.value).id, doomed.id, 'the value travels unchanged')
  assert.equal(await notificationsOf(doomed.id), 0)
  await waitFor('the owner service to commit past it', () => groupCaughtUp(stack.brokers, 'owner-service-group', TOPICS.created))
})

test('an event whose handler throws retryable: false goes straight to the dead-letter topic with its message as the reason, and the events after it are processed', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const hopeless = await book(traveler, property.id, 70)
  rejected.add(hopeless.id)
  const later = [await book(traveler, property.id, 80), await book(traveler, property.id, 90)]

  const letter = await waitFor('the dead letter', () => recorder.forKey(deadLetterTopic(TOPICS.created), hopeless.id)[0], 30_000)
  assert.equal(letter.headers['error-message'], `booking ${hopeless.id} contradicts the database`)
  assert.equal(letter.headers['error-class'], 'PermanentEventError')
  assert.equal(letter.headers['attempt-count'], '1', 'no attempts in place after the first')
  assert.equal(letter.headers['consumer-group'], 'owner-service-group')
  assert.equal(aloneCalls.get(hopeless.id), 1, 'the handler was given the event on its own once')
  await waitFor('the later bookings notified', async () => (await Promise.all(later.map(b => notificationsOf(b.id)))).every(n => n === 1))
  await waitFor('the owner service to commit past it', () => groupCaughtUp(stack.brokers, 'owner-service-group', TOPICS.created))
  assert.deepEqual(recorder.forKey(retryTopic(TOPICS.created), hopeless.id), [], 'never sent to the retry lane')
  assert.equal(await notificationsOf(hopeless.id), 0)
  assert.equal(aloneCalls.get(hopeless.id), 1)
})

test('hostly dlq list shows the dead letters; redrive processes each once, however often it is run', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 50)
  failing.add(booking.id)
  await waitFor('the dead letter', () => recorder.forKey(deadLetterTopic(TOPICS.created), booking.id)[0], 30_000)
  const eventId = recorder.forKey(deadLetterTopic(TOPICS.created), booking.id)[0].headers['event-id']

  const listed = await run(['dlq', 'list', TOPICS.created], env())
  assert.equal(listed.code, 0, listed.stderr)
  const row = listed.lines.find(l => l.includes(eventId))!
  assert.ok(row, listed.stdout)
  assert.match(row, /owner-service-group/)
  assert.match(row, /TypeError: cannot notify/)
  assert.match(row, /waiting/)
  assert.match(listed.lines[0], /^AT +EVENT ID .* GROUP .* ATTEMPTS .* STATUS +ERROR$/, 'the error last, where it is never cut')

  failing.delete(booking.id) // the bug is fixed
  const redriven = await run(['dlq', 'redrive', TOPICS.created, '--event-id', eventId], env())
  assert.equal(redriven.code, 0, redriven.stderr)
  assert.match(redriven.stdout, new RegExp(`redrove 1 dead letter of booking-created: ${eventId}`))
  await waitFor('the redriven event processed', async () => (await notificationsOf(booking.id)) === 1, 30_000)

  const again = await run(['dlq', 'redrive', TOPICS.created, '--event-id', eventId], env())
  assert.match(again.stdout, /redrove 0 dead letters/, 'a processed dead letter is not sent again')
  const json = await run(['dlq', 'list', TOPICS.created, '--json'], env())
  const entry = (JSON.parse(json.stdout) as Array<Record<string, unknown>>).find(l => l.eventId === eventId)!
  assert.equal(entry.processed, true)
  assert.equal(entry.status, 'processed since')
  assert.equal(entry.group, 'owner-service-group')
  await waitFor('the retry lane to commit', () => groupCaughtUp(stack.brokers, 'owner-service-group.retry', `${TOPICS.created}.retry`))
  assert.equal(await notificationsOf(booking.id), 1, 'exactly once')
})

test('poison records in both topics go straight to their dead-letter topics, and the consumers keep going', async () => {
  const producer = createProducer(stack.brokers, 'test-poisoner')
  const goodHeaders = (topic: string, id: string) => ({ 'event-id': id, 'event-type': topic, 'event-version': '1' })
  const poison = [
    { key: 'p1', value: '{not json', why: /not valid JSON/ },
    { key: 'p2', value: JSON.stringify({ id: 1 }), why: /does not match/ },
    { key: 'p3', value: JSON.stringify({ id: 1 }), version: '2', why: /unsupported event-version "2"/ }
  ]
  for (const topic of [TOPICS.created, TOPICS.statusUpdated]) {
    await producer.send({
      messages: poison.map((p, i) => ({
        topic,
        key: `${topic}-${p.key}`,
        value: p.value,
        headers: { ...goodHeaders(topic, `00000000-0000-4000-8000-00000000000${i}`), ...(p.version && { 'event-version': p.version }) }
      }))
    })
  }
  await producer.close()

  for (const topic of [TOPICS.created, TOPICS.statusUpdated]) {
    for (const p of poison) {
      const letter = await waitFor(`${topic} ${p.key} dead-lettered`, () => recorder.forKey(deadLetterTopic(topic), `${topic}-${p.key}`)[0])
      assert.equal(letter.headers['error-class'], 'PoisonRecord')
      assert.match(letter.headers['error-message'], p.why)
      assert.equal(letter.headers['original-topic'], topic)
      assert.equal(letter.value, p.value)
    }
  }
  // And both services still work.
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 60)
  await owner.post(`/api/bookings/${booking.id}/accept`)
  await waitFor('both notifications', async () => (await notificationsOf(booking.id)) === 2)
})

// kafkajs 2.2.4 on Node 24 sets negative timeouts (Node clamps them to 1 ms, as older Nodes did silently).
process.removeAllListeners('warning')
process.on('warning', w => { if (w.name !== 'TimeoutNegativeWarning') console.warn(w) })

/** True once the recorder has seen every record the topic holds now. */
async function recorderCaughtUp (topic: string) {
  const admin = createAdmin(stack.brokers, 'test-ends')
  try {
    const ends = await offsetsAt(admin, topic, LATEST)
    return [...ends].every(([p, end]) => end === 0n || recorder.records.some(r => r.topic === topic && r.partition === p && r.offset === end - 1n))
  } finally {
    await admin.close()
  }
}
/** Copies of the record with this key in the topic, once the recorder has read the whole topic. */
async function copies (topic: string, key: string) {
  await waitFor(`the recorder through ${topic}`, () => recorderCaughtUp(topic))
  return recorder.forKey(topic, key).filter(r => r.headers[DISCARDED] === undefined).length
}

test('a dead letter without an event id (kafkajs, no headers) is listed, never redriven however often redrive runs, and can be discarded', async () => {
  // The original Hostly's producer: kafkajs, its key and payload, no headers at all.
  const kafka = new Kafka({ clientId: 'original-hostly', brokers: stack.brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const key = `booking-${Date.now()}`
  await producer.send({ topic: kafkaName(TOPICS.created), messages: [{ key, value: JSON.stringify({ bookingId: 9001, propertyId: 7, startDate: '2030-01-01', endDate: '2030-01-04' }) }] })
  await producer.disconnect()
  const letter = await waitFor('the headerless record dead-lettered', () => recorder.forKey(deadLetterTopic(TOPICS.created), key)[0])
  assert.equal(letter.headers['event-id'], undefined)
  const at = `${letter.partition}:${letter.offset}`

  for (let round = 1; round <= 2; round++) {
    const redriven = await run(['dlq', 'redrive', TOPICS.created], env())
    assert.equal(redriven.code, 0, redriven.stderr)
    assert.match(redriven.stdout, /left [1-9]\d* dead letters? without an event id/)
  }
  assert.equal(await copies(retryTopic(TOPICS.created), key), 0, 'never sent back')
  assert.equal(await copies(deadLetterTopic(TOPICS.created), key), 1, 'still one copy after two redrives')

  const listed = await run(['dlq', 'list', TOPICS.created, '--json'], env())
  assert.equal(listed.code, 0, listed.stderr)
  const letters = JSON.parse(listed.stdout) as Array<Record<string, any>>
  assert.ok(Array.isArray(letters), 'one JSON document')
  assert.deepEqual(letters.filter(l => l.key === key).map(l => [l.eventId, l.status, `${l.partition}:${l.offset}`]), [[null, 'no event id', at]])

  const discarded = await run(['dlq', 'discard', TOPICS.created, '--at', at], env())
  assert.equal(discarded.code, 0, discarded.stderr)
  assert.equal(discarded.stdout, `discarded 1 dead letter of ${TOPICS.created}: ${at}`)
  const table = await run(['dlq', 'list', TOPICS.created], env())
  assert.match(table.lines.find(l => l.startsWith(at + ' '))!, / discarded +PoisonRecord: missing or invalid event-id header$/)
  const twice = await run(['dlq', 'discard', TOPICS.created, '--at', at], env())
  assert.equal(twice.code, 1, 'nothing left to discard there')
  assert.equal((await run(['dlq', 'redrive', TOPICS.created], env())).code, 0)
  assert.equal(await copies(retryTopic(TOPICS.created), key), 0)
  assert.equal(await copies(deadLetterTopic(TOPICS.created), key), 1)
})

test('hostly dlq list shows each error whole, at the end of its row', async () => {
  const producer = createProducer(stack.brokers, 'test-long-error')
  const key = `long-${Date.now()}`
  await producer.send({ messages: [{ topic: TOPICS.created, key, value: JSON.stringify({ id: 1, note: 'x' }), headers: { 'event-id': randomUUID(), 'event-type': TOPICS.created, 'event-version': '1' } }] })
  await producer.close()
  const letter = await waitFor('the dead letter', () => recorder.forKey(deadLetterTopic(TOPICS.created), key)[0])
  const error = `${letter.headers['error-class']}: ${letter.headers['error-message']}`
  assert.ok(error.length > 80, `a long error: ${error}`)
  const listed = await run(['dlq', 'list', TOPICS.created], env())
  assert.ok(listed.lines.find(l => l.startsWith(`${letter.partition}:${letter.offset} `))!.endsWith(` ${error}`), listed.stdout)
})

test('without a database, hostly dlq list still lists (status unknown) and redrive says why it cannot, in one line each', async () => {
  const kafkaOnly = { KAFKA_BROKERS: stack.brokers.join(','), DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hostly_missing_dlq', LOG_LEVEL: 'warn' }
  const listed = await run(['dlq', 'list', TOPICS.created], kafkaOnly)
  assert.equal(listed.code, 0, listed.stderr)
  assert.match(listed.stderr, /^hostly: cannot use the database at DATABASE_URL \(database "hostly_missing_dlq" does not exist\); listing without it/m)
  assert.ok(listed.lines.some(l => / unknown +\S/.test(l)), listed.stdout)
  const redriven = await run(['dlq', 'redrive', TOPICS.created], kafkaOnly)
  assert.equal(redriven.code, 2)
  assert.equal(redriven.stderr.split('\n').length, 1, redriven.stderr)
  assert.match(redriven.stderr, /^hostly: cannot use the database .* does not exist\): redrive needs it/)
})
