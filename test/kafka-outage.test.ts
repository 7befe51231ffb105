import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Kafka unreachable: the API goes on answering, the outbox keeps every event, and once the broker is back
// each event reaches its consumer and each notification exists once.

let stack: Stack
before(async () => { stack = await startStack({ ownBroker: true }) })
after(async () => { await stack?.stop() })

async function notificationsPerBooking (ids: number[]) {
  const { rows } = await stack.db.query(
    `SELECT booking_id, count(*)::int AS n FROM notifications WHERE booking_id = ANY($1) AND type = 'booking_requested'
      GROUP BY booking_id`, [ids])
  return new Map(rows.map(r => [r.booking_id, r.n]))
}

test('bookings made while the broker is down are all delivered, once each, when it returns', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const warmup = await book(traveler, property.id, 10, 1)
  await waitFor('the first notification', async () => (await notificationsPerBooking([warmup.id])).get(warmup.id) === 1)

  await stack.broker!.stop()
  const bookings = []
  for (let i = 0; i < 12; i++) bookings.push(await book(traveler, property.id, 20 + i * 2, 1)) // each a 201
  const ids = bookings.map(b => b.id)
  const accepted = await owner.post(`/api/bookings/${ids[0]}/accept`)
  assert.equal(accepted.status, 200, 'status changes go on too')

  const { rows: [{ waiting }] } = await stack.db.query(
    'SELECT count(*)::int AS waiting FROM outbox WHERE published_at IS NULL')
  assert.equal(waiting, 13, 'every event waits in the outbox while Kafka is away')
  assert.equal((await notificationsPerBooking(ids)).size, 0)
  const ready = await fetch(`${stack.url}/readyz`)
  assert.equal(ready.status, 503)
  assert.match((await ready.json()).message, /kafka/)

  await stack.broker!.restart()
  await waitFor('every owner notification', async () => (await notificationsPerBooking(ids)).size === ids.length, 60_000, 250)
  await waitFor('the traveler notification', async () => {
    const { rowCount } = await stack.db.query('SELECT 1 FROM notifications WHERE booking_id = $1 AND type = \'booking_accepted\'', [ids[0]])
    return rowCount === 1
  }, 60_000, 250)
  await waitFor('the owner service to commit all it read', () => groupCaughtUp(stack.brokers, 'owner-service-group', TOPICS.created))
  await waitFor('the traveler service to commit all it read', () => groupCaughtUp(stack.brokers, 'traveler-service-group', TOPICS.statusUpdated))

  const counts = await notificationsPerBooking([warmup.id, ...ids])
  assert.deepEqual([...counts.values()], Array(ids.length + 1).fill(1), 'exactly one notification per booking')
  const { rows: [{ unpublished }] } = await stack.db.query('SELECT count(*)::int AS unpublished FROM outbox WHERE published_at IS NULL')
  assert.equal(unpublished, 0)
})
