import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { expirePendingBookings } from '../src/bookings/expiry.ts'
import { createPool } from '../src/db/pool.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// A pending request nobody answers within BOOKING_PENDING_TTL is cancelled, once, with its event.

let stack: Stack
before(async () => { stack = await startStack({ env: { BOOKING_PENDING_TTL: '2s', EXPIRY_SWEEP_INTERVAL: '200ms' }, record: [TOPICS.statusUpdated] }) })
after(async () => { await stack?.stop() })

test('an unanswered request is cancelled after the TTL, with its event (reason expired) and the traveler notified; an answered one is not', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const forgotten = await book(traveler, property.id, 10)
  const answered = await book(traveler, property.id, 20)
  assert.equal((await owner.post(`/api/bookings/${answered.id}/accept`)).status, 200)
  assert.equal((await traveler.get(`/api/bookings/${forgotten.id}`)).body.booking.status, 'pending', 'not before the TTL')

  await waitFor('the expiry', async () => (await traveler.get(`/api/bookings/${forgotten.id}`)).body.booking.status === 'cancelled', 15_000)
  const event = await waitFor('its event', () => stack.recorder.forKey(TOPICS.statusUpdated, forgotten.id)[0])
  assert.deepEqual([JSON.parse(event.value).status, JSON.parse(event.value).reason], ['cancelled', 'expired'])
  const note = await waitFor('the notice', async () => (await traveler.get('/api/notifications')).body.notifications
    .find((n: { booking_id: number }) => n.booking_id === forgotten.id))
  assert.equal(note.type, 'booking_cancelled')

  // Sweeps go on after the expiry: a request made now expires only in later sweeps, and once its event is out,
  // any second cancellation of the first would have been written (and published, in outbox order) before it.
  const later = await book(traveler, property.id, 30)
  await waitFor('a later request to expire', () => stack.recorder.forKey(TOPICS.statusUpdated, later.id)[0], 15_000)
  await waitFor('the recorder to read the whole topic', () => stack.recorder.caughtUp(TOPICS.statusUpdated))
  assert.equal(stack.recorder.forKey(TOPICS.statusUpdated, forgotten.id).length, 1, 'cancelled once')
  assert.equal((await owner.get(`/api/bookings/${answered.id}`)).body.booking.status, 'accepted')
  assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM outbox WHERE key = $1', [String(forgotten.id)])).rows[0].n, 2)
})

test('sweepers racing over 150 stale requests cancel each exactly once', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  // Stale requests, written straight to the table (the API would not wait for them to age).
  const { rows } = await stack.db.query(
    `INSERT INTO bookings (property_id, owner_id, traveler_id, start_date, end_date, num_guests, total_price, created_at)
     SELECT $1, $3, $2, current_date + 400 + n, current_date + 401 + n, 1, 100, now() - interval '1 hour'
       FROM generate_series(1, 150) AS n RETURNING id`, [property.id, traveler.user!.id, owner.user!.id])
  const ids = rows.map(r => String(r.id))

  // Four sweepers with their own connections, as four processes would have (and the stack's own makes five).
  const pools = [1, 2, 3, 4].map(() => createPool(stack.databaseUrl, 2))
  try {
    const counts = await Promise.all(pools.map(async pool => {
      let total = 0
      for (let n; (n = await expirePendingBookings(pool, 1000)) > 0;) total += n
      return total
    }))
    assert.ok(counts.reduce((a, b) => a + b, 0) <= 150, `cancelled ${counts.join(' + ')}`)
  } finally {
    await Promise.all(pools.map(p => p.end()))
  }
  const { rows: events } = await stack.db.query(
    'SELECT key, count(*)::int AS n FROM outbox WHERE key = ANY($1) AND topic = $2 GROUP BY key', [ids, TOPICS.statusUpdated])
  assert.equal(events.length, 150)
  assert.ok(events.every(e => e.n === 1), 'one event per booking')
  const { rows: [{ pending }] } = await stack.db.query(
    'SELECT count(*)::int AS pending FROM bookings WHERE id = ANY($1::bigint[]) AND status <> \'cancelled\'', [ids])
  assert.equal(pending, 0)
})

test('a request a consumer is writing a notification of (a foreign key: a key-share lock, held open) is still expired', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const booking = await book(traveler, property.id, 40)
  // As the owner service does in its transaction: a notification that references the booking, not yet committed.
  const consumer = await stack.db.connect()
  try {
    await consumer.query('BEGIN')
    await consumer.query(
      `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
       VALUES ($1, 'booking_requested', $2, gen_random_uuid(), 'held open')`, [owner.user!.id, booking.id])
    assert.equal((await consumer.query('SELECT status FROM bookings WHERE id = $1', [booking.id])).rows[0].status, 'pending', 'referenced before it expired')
    // The stack's sweeper (TTL 2 s) expires it while that transaction is open; FOR UPDATE SKIP LOCKED skipped it.
    await waitFor('the expiry, the notification still uncommitted', async () =>
      (await stack.db.query('SELECT status, reason FROM bookings WHERE id = $1', [booking.id])).rows[0].reason === 'expired', 15_000)
    await consumer.query('COMMIT')
  } finally {
    consumer.release()
  }
  assert.equal((await traveler.get(`/api/bookings/${booking.id}`)).body.booking.status, 'cancelled')
})
