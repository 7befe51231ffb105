import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS, type BookingCreated } from '../src/bookings/events.ts'
import { createProducer } from '../src/kafka/client.ts'
import { startConsumer, type ConsumerSpec, type RunningConsumer } from '../src/kafka/consumer-runner.ts'
import { deadLetterTopic, retryTopic } from '../src/kafka/topics.ts'
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
const flakyOwner: ConsumerSpec<BookingCreated> = {
  ...ownerService,
  async handle (tx, events) {
    const doomed = events.find(e => failing.has(e.payload.id))
    if (doomed) throw new TypeError(`cannot notify about booking ${doomed.payload.id}`)
    const hopeless = events.find(e => rejected.has(e.payload.id))
    if (hopeless) {
      const id = hopeless.payload.id
      if (events.length === 1) aloneCalls.set(id, (aloneCalls.get(id) ?? 0) + 1)
      throw Object.assign(new Error(`booking ${id} contradicts the database`), { retryable: false })
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
  assert.equal(letter.headers['error-class'], 'Error')
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
  assert.match(listed.lines[0], /EVENT ID .* GROUP .* ERROR .* ATTEMPTS/)

  failing.delete(booking.id) // the bug is fixed
  const redriven = await run(['dlq', 'redrive', TOPICS.created, '--event-id', eventId], env())
  assert.equal(redriven.code, 0, redriven.stderr)
  assert.match(redriven.stdout, new RegExp(`redrove 1 dead letter of booking-created: ${eventId}`))
  await waitFor('the redriven event processed', async () => (await notificationsOf(booking.id)) === 1, 30_000)

  const again = await run(['dlq', 'redrive', TOPICS.created, '--event-id', eventId], env())
  assert.match(again.stdout, /redrove 0 dead letters/, 'a processed dead letter is not sent again')
  const json = await run(['dlq', 'list', TOPICS.created, '--json'], env())
  const entry = json.lines.map(l => JSON.parse(l)).find(l => l.eventId === eventId)
  assert.equal(entry.processed, true)
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
