import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { createAdmin, kafkaName } from '../src/kafka/client/clients.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// The seed's whole asynchronous flow on a real broker and database: API -> outbox -> Kafka -> consumers.

let stack: Stack
before(async () => { stack = await startStack({ record: [TOPICS.created, TOPICS.statusUpdated] }) })
after(async () => { await stack?.stop() })

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function checkHeaders (headers: Record<string, string>, topic: string) {
  assert.match(headers['event-id'], UUID)
  assert.equal(headers['event-type'], topic)
  assert.equal(headers['event-version'], '1')
}

test('a booking travels from the API through Kafka to the owner, and its acceptance back to the traveler', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(owner, { name: 'Cliff House', price_per_night: 99.99 })
  const traveler = await signUp(stack.url, 'traveler', 'Tomás')
  const booking = await book(traveler, property.id, 30, 5, 2)
  assert.equal(booking.status, 'pending')
  assert.equal(booking.total_price, 499.95) // 5 nights x 99.99, exact

  // booking-created, field for field, type for type.
  const created = await waitFor('the booking-created record', () => stack.recorder.forKey(TOPICS.created, booking.id)[0])
  assert.equal(created.key, String(booking.id))
  checkHeaders(created.headers, TOPICS.created)
  const event = JSON.parse(created.value)
  assert.deepEqual(Object.keys(event).sort(),
    ['created_at', 'end_date', 'id', 'num_guests', 'property_id', 'start_date', 'status', 'timestamp', 'total_price', 'traveler_id'])
  assert.equal(event.id, booking.id)
  assert.equal(event.property_id, property.id)
  assert.equal(event.traveler_id, traveler.user!.id)
  assert.equal(event.start_date, booking.start_date)
  assert.equal(event.end_date, booking.end_date)
  assert.equal(event.num_guests, 2)
  assert.equal(event.status, 'pending')
  assert.equal(event.total_price, 499.95)
  assert.equal(typeof event.total_price, 'number')
  assert.match(event.created_at, ISO)
  assert.match(event.timestamp, ISO)
  for (const f of ['id', 'property_id', 'traveler_id', 'num_guests']) assert.ok(Number.isInteger(event[f]), f)

  // The owner service turned it into the owner's notification.
  const ownerNote = await waitFor('the owner notification', async () => (await owner.get('/api/notifications')).body.notifications[0])
  assert.equal(ownerNote.type, 'booking_requested')
  assert.equal(ownerNote.booking_id, booking.id)
  assert.match(ownerNote.message, /Tomás requested Cliff House/)
  assert.equal(ownerNote.read_at, null)
  assert.match(ownerNote.created_at, ISO)
  assert.deepEqual((await traveler.get('/api/notifications')).body.notifications, [], 'nothing for the traveler yet')

  const accepted = await owner.post(`/api/bookings/${booking.id}/accept`)
  assert.equal(accepted.status, 200)
  assert.equal(accepted.body.booking.status, 'accepted')

  const updated = await waitFor('the booking-status-updated record', () => stack.recorder.forKey(TOPICS.statusUpdated, booking.id)[0])
  assert.equal(updated.key, String(booking.id))
  checkHeaders(updated.headers, TOPICS.statusUpdated)
  assert.notEqual(updated.headers['event-id'], created.headers['event-id'])
  const status = JSON.parse(updated.value)
  assert.deepEqual(Object.keys(status).sort(), ['id', 'property_id', 'status', 'timestamp', 'traveler_id', 'updated_at'])
  assert.equal(status.id, booking.id)
  assert.equal(status.property_id, property.id)
  assert.equal(status.traveler_id, traveler.user!.id)
  assert.equal(status.status, 'accepted')
  assert.equal(status.updated_at, accepted.body.booking.updated_at)
  assert.match(status.timestamp, ISO)
  // Keyed by booking id: a booking lands in the same partition number of each topic.
  assert.equal(updated.partition, created.partition)

  const travelerNote = await waitFor('the traveler notification', async () => (await traveler.get('/api/notifications')).body.notifications[0])
  assert.equal(travelerNote.type, 'booking_accepted')
  assert.equal(travelerNote.booking_id, booking.id)
  assert.match(travelerNote.message, /Cliff House .* was accepted/)

  // And the state everyone sees agrees.
  assert.equal((await traveler.get(`/api/bookings/${booking.id}`)).body.booking.status, 'accepted')
  const mine = (await traveler.get('/api/bookings/me')).body.bookings
  assert.equal(mine[0].property_name, 'Cliff House')
  const theirs = (await owner.get('/api/owner/bookings?status=accepted')).body.bookings
  assert.equal(theirs[0].traveler_name, 'Tomás')
})

test('a request the traveler withdraws notifies the owner with booking_cancelled (never the traveler of their own act)', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, property.id, 40)
  assert.equal((await traveler.post(`/api/bookings/${booking.id}/cancel`)).status, 200)
  const note = await waitFor('the cancellation notice', async () =>
    (await owner.get('/api/notifications')).body.notifications.find((n: { type: string }) => n.type === 'booking_cancelled'))
  assert.equal(note.booking_id, booking.id)
  assert.match(note.message, /The guest withdrew the request/)
  assert.deepEqual((await traveler.get('/api/notifications')).body.notifications, [])
})

// That the API answers while Kafka is down is kafka-outage.test.ts's assertion.
test('/healthz and /readyz answer 200 while the database and the broker are up', async () => {
  const ready = await fetch(`${stack.url}/readyz`)
  assert.equal(ready.status, 200)
  assert.deepEqual(await ready.json(), { status: 'ready' })
  const health = await fetch(`${stack.url}/healthz`)
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })
})

test('both topics exist with 3 partitions', async () => {
  const admin = createAdmin(stack.brokers, 'test-admin')
  try {
    const metadata = await admin.metadata({ topics: [TOPICS.created, TOPICS.statusUpdated].map(kafkaName) })
    assert.equal(metadata.topics.get(kafkaName(TOPICS.created))?.partitionsCount, 3)
    assert.equal(metadata.topics.get(kafkaName(TOPICS.statusUpdated))?.partitionsCount, 3)
  } finally {
    await admin.close()
  }
})
