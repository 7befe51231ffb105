import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { TOPICS } from '../src/bookings/events.ts'
import { MESSAGE_TOPICS } from '../src/messages/events.ts'
import { REVIEW_TOPICS } from '../src/reviews/events.ts'
import { withFailureTopics } from '../src/kafka/client/topics.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// KAFKA_PREFIX: Kafka knows every topic and group Hostly uses by the prefix plus its name, so installations (and
// npm test's stacks) share a cluster apart; the names without it are what headers, metrics and the database hold.

const PREFIX = `prefix-test-${randomBytes(3).toString('hex')}.`
let stack: Stack
before(async () => { stack = await startStack({ env: { KAFKA_PREFIX: PREFIX }, record: [TOPICS.created] }) })
after(async () => { await stack?.stop() })

test('topics and groups carry the prefix in Kafka; records, headers and processed_events name them without it', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, property.id, 30, 2, 1)
  const record = await waitFor('the booking-created record', () => stack.recorder.forKey(TOPICS.created, booking.id)[0])
  assert.equal(record.topic, TOPICS.created)
  assert.equal(record.headers['event-type'], TOPICS.created)
  await waitFor('the owner service to process it', async () =>
    (await stack.db.query('SELECT consumer_group FROM processed_events')).rows.some(r => r.consumer_group === 'owner-service-group'))

  // A plain client, which knows nothing of the prefix, sees what Kafka holds.
  const admin = new Admin({ clientId: 'prefix-test', bootstrapBrokers: stack.brokers })
  try {
    const ours = (await admin.listTopics()).filter(t => t.startsWith(PREFIX)).sort()
    assert.deepEqual(ours, withFailureTopics([...Object.values(TOPICS), ...Object.values(MESSAGE_TOPICS), ...Object.values(REVIEW_TOPICS)]).map(t => PREFIX + t).sort())
    const groups = await admin.describeGroups({ groups: [`${PREFIX}owner-service-group`, `${PREFIX}traveler-service-group`] })
    for (const [name, group] of groups) assert.ok(group.members.size > 0, `${name} has members`)
  } finally {
    await admin.close()
  }
})
