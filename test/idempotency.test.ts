import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { createProducer } from '../src/kafka/client/clients.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Kafka delivers at least once; each event still has exactly one effect.

let stack: Stack
before(async () => { stack = await startStack({ record: [TOPICS.created] }) })
after(async () => { await stack?.stop() })

const notifications = async (bookingId: number) =>
  (await stack.db.query('SELECT id, event_id FROM notifications WHERE booking_id = $1', [bookingId])).rows

async function settled () {
  await waitFor('the owner service to commit everything', () => groupCaughtUp(stack.brokers, 'owner-service-group', TOPICS.created))
}

test('the same record delivered twice gives one notification', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 12)
  const original = await waitFor('the record', () => stack.recorder.forKey(TOPICS.created, booking.id)[0])
  await waitFor('the notification', async () => (await notifications(booking.id)).length === 1)

  // Deliver it again, byte for byte: the same event id, the same value.
  const producer = createProducer(stack.brokers, 'test-duplicator')
  await producer.send({ messages: [{ topic: original.topic, key: original.key, value: original.value, headers: original.headers }] })
  await producer.close()
  await waitFor('the copy to be in the topic', () => stack.recorder.forKey(TOPICS.created, booking.id).length === 2)
  await settled()

  const notes = await notifications(booking.id)
  assert.equal(notes.length, 1)
  assert.equal(notes[0].event_id, original.headers['event-id'])
  const { rows } = await stack.db.query(
    'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = \'owner-service-group\' AND event_id = $1',
    [original.headers['event-id']])
  assert.equal(rows[0].n, 1)
})

test('a relay that publishes an event again (crash between send and mark) adds no notification', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 14)
  await waitFor('the notification', async () => (await notifications(booking.id)).length === 1)

  // As if the relay had died after Kafka acknowledged the batch but before it marked the rows published (and so
  // before it moved its position past them).
  await stack.db.query(`WITH again AS (UPDATE outbox SET published_at = NULL WHERE key = $1 RETURNING id)
                        UPDATE outbox_relay SET published_through = (SELECT min(id) - 1 FROM again)`, [String(booking.id)])
  await waitFor('the republished record', () => stack.recorder.forKey(TOPICS.created, booking.id).length === 2)
  await settled()

  const records = stack.recorder.forKey(TOPICS.created, booking.id)
  assert.equal(records[0].headers['event-id'], records[1].headers['event-id'], 'the same event, twice')
  assert.equal((await notifications(booking.id)).length, 1)
})

test('a different event about the same booking is a new effect', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, (await listProperty(owner)).id, 16)
  await waitFor('the request notification', async () => (await notifications(booking.id)).length === 1)
  await owner.post(`/api/bookings/${booking.id}/accept`)
  await traveler.post(`/api/bookings/${booking.id}/cancel`)
  const types = async () => (await stack.db.query(
    'SELECT type FROM notifications WHERE booking_id = $1 ORDER BY id', [booking.id])).rows.map(r => r.type)
  await waitFor('three notifications', async () => (await types()).length === 3)
  // One each, in no common order: the acceptance's notice (to the traveler) and the cancellation's (to the owner)
  // are written by different consumers, so either may take its id first. Each person's own notices keep their order.
  assert.deepEqual((await types()).sort(), ['booking_accepted', 'booking_cancelled', 'booking_requested'])
})
