import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DiagnosticSeverity } from '@asyncapi/parser'
import { analyticsService } from '../src/analytics/consumer.ts'
import { BookingCreated, BookingStatusUpdated, TOPICS } from '../src/bookings/events.ts'
import { createAdmin, createProducer, kafkaName, PARTITIONS } from '../src/kafka/client/clients.ts'
import { type RunningConsumer, startConsumer } from '../src/kafka/consumer/runner.ts'
import { deadLetterTopic, retryTopic, withFailureTopics } from '../src/kafka/client/topics.ts'
import { createLogger } from '../src/log.ts'
import { ownerService, travelerService } from '../src/notifications/consumers.ts'
import { MESSAGE_TOPICS, MessageSent } from '../src/messages/events.ts'
import { messageService } from '../src/messages/consumer.ts'
import { REVIEW_TOPICS, ReviewPublished } from '../src/reviews/events.ts'
import { reviewService } from '../src/reviews/consumer.ts'
import { loadContract, recordProblems, type Contract } from './helpers/asyncapi.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'
import { expireOne } from './helpers/expiry.ts'

// docs/asyncapi.yaml is valid AsyncAPI 3, says what the code says, and every record the running system
// writes (events, retry rounds, dead letters) matches it: key, headers and payload.

const TOPIC_NAMES = withFailureTopics([...Object.values(TOPICS), ...Object.values(MESSAGE_TOPICS), ...Object.values(REVIEW_TOPICS)])
/** A group of the test's own whose handler always fails, so the real runner fills the retry and dead-letter lanes. */
const FAILING_GROUP = 'asyncapi-test-failing-group'

let stack: Stack
let contract: Contract
const failing: RunningConsumer[] = []

before(async () => {
  contract = await loadContract()
  stack = await startStack({ record: TOPIC_NAMES })
  const spec = { ...ownerService, name: 'failing', group: FAILING_GROUP, handle: async () => { throw new TypeError('this group always fails') } }
  const common = { brokers: stack.brokers, pool: stack.db, log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), sessionTimeoutMs: 6000 }
  const policy = { handlerAttempts: 1, retryRounds: 1, retryDelayMs: 200 }
  for (const lane of ['main', 'retry'] as const) failing.push(startConsumer({ ...common, spec, lane, policy }))
})
after(async () => {
  await Promise.all(failing.map(c => c.stop()))
  await stack?.stop()
})

test('@asyncapi/parser parses docs/asyncapi.yaml with no error or warning', () => {
  const { document, diagnostics } = contract
  const serious = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
  assert.deepEqual(serious.map(d => `${d.path.join('.')}: ${d.message}`), [])
  assert.ok(document)
  assert.equal(document.version(), '3.0.0')
})

test('the document names the topics, partitions, groups and payload fields the code uses', async () => {
  assert.deepEqual([...contract.lanes.keys()].sort(), [...TOPIC_NAMES].sort())
  for (const lane of contract.lanes.values()) assert.equal(lane.partitions, PARTITIONS, lane.address)
  // The topics the running system created have that many partitions.
  const admin = createAdmin(stack.brokers, 'test-asyncapi')
  try {
    const metadata = await waitFor('the topics', async () => {
      const m = await admin.metadata({ topics: TOPIC_NAMES.map(kafkaName) }).catch(() => undefined) // not all created yet
      return m && TOPIC_NAMES.every(t => m.topics.get(kafkaName(t))) ? m : undefined
    })
    for (const t of TOPIC_NAMES) assert.equal(metadata.topics.get(kafkaName(t))!.partitionsCount, PARTITIONS, t)
  } finally {
    await admin.close()
  }
  assert.deepEqual(contract.senders(TOPICS.created), ['hostly-relay'])
  assert.deepEqual(contract.senders(TOPICS.statusUpdated), ['hostly-relay'])
  assert.deepEqual(contract.senders(MESSAGE_TOPICS.sent), ['hostly-relay'])
  assert.deepEqual(contract.receivers(MESSAGE_TOPICS.sent).sort(), [messageService.group, 'message-email-group', analyticsService.group].sort())
  assert.deepEqual(contract.senders(REVIEW_TOPICS.published), ['hostly-relay'])
  assert.deepEqual(contract.receivers(REVIEW_TOPICS.published).sort(), [reviewService.group, 'review-email-group', analyticsService.group].sort())
  assert.ok(contract.receivers(ownerService.topic).includes(ownerService.group))
  assert.ok(contract.receivers(travelerService.topic).includes(travelerService.group))
  // The e-mail and analytics services read both topics (the e-mail spec is built with an SMTP transport: its group by name).
  for (const group of ['email-service-group', analyticsService.group]) {
    for (const topic of Object.values(TOPICS)) assert.ok(contract.receivers(topic).includes(group), `${group} on ${topic}`)
  }
  // The consumers' own schemas (src/bookings/events.ts) require what the document requires.
  for (const [topic, schema] of [[TOPICS.created, BookingCreated], [TOPICS.statusUpdated, BookingStatusUpdated], [MESSAGE_TOPICS.sent, MessageSent], [REVIEW_TOPICS.published, ReviewPublished]] as const) {
    const documented = contract.lanes.get(topic)!.payload.schema as { required: string[], properties: object }
    assert.deepEqual([...documented.required].sort(), [...schema.required].sort(), topic)
    for (const field of Object.keys(schema.properties)) assert.ok(field in documented.properties, `${topic}.${field}`)
  }
})

test('the document\'s examples match its schemas, which refuse an unlisted field, a wrong type and a reason on an acceptance', () => {
  for (const lane of contract.lanes.values()) {
    for (const example of lane.examples) {
      assert.ok(lane.payload(example.payload), `${lane.address} ${example.name}: ${JSON.stringify(lane.payload.errors)}`)
      assert.ok(lane.headers(example.headers), `${lane.address} ${example.name}: ${JSON.stringify(lane.headers.errors)}`)
    }
  }
  const created = contract.lanes.get(TOPICS.created)!
  const good = created.examples[0].payload as Record<string, unknown>
  assert.equal(created.payload({ ...good, guest_note: 'late arrival' }), false, 'a field the document does not list')
  assert.equal(created.payload({ ...good, id: '1' }), false, 'an id as a string')
  assert.equal(created.payload({ ...good, start_date: '2024-01-15T00:00:00.000Z' }), false, 'a date as a timestamp')
  assert.equal(created.key('booking-1'), false, 'the original Hostly\'s key')
  const status = contract.lanes.get(TOPICS.statusUpdated)!
  const accepted = status.examples[0].payload as Record<string, unknown>
  assert.equal(status.payload({ ...accepted, reason: 'expired' }), false, 'a reason on an acceptance')
  assert.equal(status.payload({ ...accepted, status: 'cancelled', reason: 'changed_mind' }), false, 'an unknown reason')
  assert.equal(status.headers({ 'event-id': 'not-a-uuid', 'event-type': TOPICS.statusUpdated, 'event-version': '1' }), false)
})

/** The records, once there are at least n of them (for waitFor). */
const atLeast = <T>(n: number, records: T[]) => records.length >= n ? records : undefined

/** Every recorded record of these topics, with what is wrong with it. */
const problemsIn = (topics: string[]) => stack.recorder.records.filter(r => topics.includes(r.topic))
  .map(r => ({ topic: r.topic, key: r.key, problems: recordProblems(contract, r) }))
  .filter(r => r.problems.length > 0)

test('the records of a request, an accept, cancels and an expiry match the document: key, headers and payload', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner, { price_per_night: 99.99 })
  const [ana, ben] = [await signUp(stack.url, 'traveler'), await signUp(stack.url, 'traveler')]
  const accepted = await book(ana, property.id, 30, 3)
  const overlapping = await book(ben, property.id, 31, 3)
  const withdrawn = await book(ana, property.id, 60, 2)
  const declined = await book(ben, property.id, 90, 2)
  const unanswered = await book(ana, property.id, 120, 2)
  assert.equal((await owner.post(`/api/bookings/${accepted.id}/accept`)).status, 200)
  assert.equal((await ana.post(`/api/bookings/${withdrawn.id}/cancel`)).status, 200)
  assert.equal((await owner.post(`/api/bookings/${declined.id}/cancel`)).status, 200)
  assert.equal((await owner.post(`/api/bookings/${accepted.id}/cancel`)).status, 200)
  // Only `unanswered` is still pending: expire it as the sweeper would once BOOKING_PENDING_TTL has passed.
  await expireOne(stack.db)

  const all = [accepted, overlapping, withdrawn, declined, unanswered]
  const created = await waitFor('five booking-created records', () => atLeast(5, all.flatMap(b => stack.recorder.forKey(TOPICS.created, b.id))))
  const changes = await waitFor('six booking-status-updated records', () => atLeast(6, all.flatMap(b => stack.recorder.forKey(TOPICS.statusUpdated, b.id))))
  assert.equal(created.length, 5)
  assert.equal(changes.length, 6)
  assert.deepEqual(problemsIn(Object.values(TOPICS)), [])

  // What the schema cannot say: the key is the payload's id, each event has its own id, and a booking's
  // events come in the order they happened, in one partition.
  for (const r of [...created, ...changes]) assert.equal(r.key, String(JSON.parse(r.value).id))
  const eventIds = [...created, ...changes].map(r => r.headers['event-id'])
  assert.equal(new Set(eventIds).size, eventIds.length)
  const ofAccepted = stack.recorder.forKey(TOPICS.statusUpdated, accepted.id)
  assert.deepEqual(ofAccepted.map(r => JSON.parse(r.value).status), ['accepted', 'cancelled'])
  assert.ok(ofAccepted[0].offset < ofAccepted[1].offset && ofAccepted[0].partition === ofAccepted[1].partition)
  // docs/events.md lets booking-status-updated carry a reason; where the code sends one, it must be the right one.
  const expected = new Map([[overlapping.id, 'dates_taken'], [withdrawn.id, 'traveler_cancelled'], [declined.id, 'owner_declined'], [unanswered.id, 'expired']])
  for (const [id, reason] of expected) {
    const [change] = stack.recorder.forKey(TOPICS.statusUpdated, id).map(r => JSON.parse(r.value))
    assert.equal(change.status, 'cancelled')
    if ('reason' in change) assert.equal(change.reason, reason, `booking ${id}`)
  }
  // previous_status (issue 17) tells a declined or withdrawn request from a cancelled stay, in the real records.
  const previous = (id: number) => stack.recorder.forKey(TOPICS.statusUpdated, id).map(r => JSON.parse(r.value).previous_status)
  assert.deepEqual(previous(accepted.id), [undefined, 'accepted'], 'an acceptance carries none; the owner cancelled an accepted stay')
  for (const b of [overlapping, withdrawn, declined, unanswered]) assert.deepEqual(previous(b.id), ['pending'], `booking ${b.id}`)
  const lane = contract.lanes.get(TOPICS.statusUpdated)!
  assert.equal(lane.payload({ ...(lane.examples[0].payload as object), previous_status: 'accepted' }), false,
    'previous_status on an acceptance')
})

test('retry rounds and dead letters the consumer runner writes match the document, poison records included', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, await listProperty(owner).then(p => p.id), 10)
  // A record as the original Hostly's producer writes it: "booking-<id>" key, no event headers.
  const producer = createProducer(stack.brokers, 'test-original-hostly')
  const foreignKey = 'booking-64b7f0c2e1a4b5c6d7e8f901'
  try {
    await producer.send({
      messages: [{ topic: TOPICS.created, key: foreignKey, value: JSON.stringify({ id: '64b7f0c2e1a4b5c6d7e8f901', status: 'pending' }) }]
    })
  } finally {
    await producer.close()
  }

  const ofGroup = (topic: string, key: string | number, group: string) =>
    stack.recorder.forKey(topic, key).filter(r => r.headers['consumer-group'] === group)
  const [retried] = await waitFor('the failing group\'s retry round', () => atLeast(1, ofGroup(retryTopic(TOPICS.created), booking.id, FAILING_GROUP)))
  const [dead] = await waitFor('the failing group\'s dead letter', () => atLeast(1, ofGroup(deadLetterTopic(TOPICS.created), booking.id, FAILING_GROUP)))
  const poisoned = await waitFor('the foreign record dead-lettered by both groups', () => atLeast(2, stack.recorder.forKey(deadLetterTopic(TOPICS.created), foreignKey)))
  const [original] = stack.recorder.forKey(TOPICS.created, booking.id)
  assert.equal(retried.headers['event-id'], original.headers['event-id'])
  assert.equal(dead.headers['event-id'], original.headers['event-id'])
  assert.equal(dead.headers['retry-round'], '1', 'the dead letter came through the retry lane')
  assert.deepEqual(poisoned.map(r => r.headers['consumer-group']).sort(), [FAILING_GROUP, ownerService.group].sort())
  assert.ok(poisoned.every(r => r.headers['error-class'] === 'PoisonRecord' && !('event-id' in r.headers)))
  assert.deepEqual(problemsIn(TOPIC_NAMES.filter(t => t !== TOPICS.created && t !== TOPICS.statusUpdated)), [])
})
