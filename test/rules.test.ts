import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { book, Client, listProperty, signUp, type Reply } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// The role, ownership and state rules: each refusal has its status and publishes nothing; each allowed
// change publishes exactly its events.

let stack: Stack
before(async () => { stack = await startStack({ record: [TOPICS.created, TOPICS.statusUpdated] }) })
after(async () => { await stack?.stop() })

const outboxSize = async () => (await stack.db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n

/** Runs a request that must be refused with status (and code); checks it wrote no event. */
async function refused (what: string, request: () => Promise<Reply>, status: number, code?: string) {
  const before = await outboxSize()
  const res = await request()
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
  assert.equal(typeof res.body.message, 'string', what)
  if (code) assert.equal(res.body.code, code, what)
  assert.equal(await outboxSize(), before, `${what} must publish nothing`)
}

/** Kafka records for a booking, once the relay has published all the outbox holds; statuses as status:reason. */
async function published (bookingId: number) {
  const expected = (await stack.db.query('SELECT count(*)::int AS n FROM outbox WHERE key = $1', [String(bookingId)])).rows[0].n
  await stack.recorder.waitFor(`${expected} records of booking ${bookingId}`, () =>
    stack.recorder.forKey(TOPICS.created, bookingId).length + stack.recorder.forKey(TOPICS.statusUpdated, bookingId).length >= expected)
  return {
    created: stack.recorder.forKey(TOPICS.created, bookingId).length,
    statuses: stack.recorder.forKey(TOPICS.statusUpdated, bookingId).map(r => {
      const { status, reason } = JSON.parse(r.value)
      return reason === undefined ? status : `${status}:${reason}`
    })
  }
}

test('role and ownership: 401 without a session, 403 for the wrong role or another\'s booking, 404 for none; refusals change nothing and publish nothing', async () => {
  const owner = await signUp(stack.url, 'owner')
  const otherOwner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const otherTraveler = await signUp(stack.url, 'traveler')
  const anonymous = new Client(stack.url)
  const property = await listProperty(owner)
  const booking = await book(traveler, property.id, 50)
  const request = { property_id: property.id, ...stay(60), num_guests: 1 }

  await refused('anonymous books', () => anonymous.post('/api/bookings', request), 401, 'UNAUTHORIZED')
  await refused('an owner books', () => owner.post('/api/bookings', request), 403, 'FORBIDDEN')
  await refused('a traveler lists a property', () => traveler.post('/api/properties', { name: 'x' }), 403)
  await refused('anonymous accepts', () => anonymous.post(`/api/bookings/${booking.id}/accept`), 401)
  await refused('a traveler accepts', () => traveler.post(`/api/bookings/${booking.id}/accept`), 403)
  await refused('another owner accepts', () => otherOwner.post(`/api/bookings/${booking.id}/accept`), 403)
  await refused('another traveler cancels', () => otherTraveler.post(`/api/bookings/${booking.id}/cancel`), 403)
  await refused('another owner cancels', () => otherOwner.post(`/api/bookings/${booking.id}/cancel`), 403)
  await refused('anonymous cancels', () => anonymous.post(`/api/bookings/${booking.id}/cancel`), 401)
  await refused('accepting a missing booking', () => owner.post('/api/bookings/987654321/accept'), 404, 'NOT_FOUND')
  await refused('cancelling a missing booking', () => traveler.post('/api/bookings/987654321/cancel'), 404, 'NOT_FOUND')

  assert.equal((await otherTraveler.get(`/api/bookings/${booking.id}`)).status, 403)
  assert.equal((await otherOwner.get(`/api/bookings/${booking.id}`)).status, 403)
  assert.equal((await anonymous.get(`/api/bookings/${booking.id}`)).status, 401)
  assert.equal((await owner.get(`/api/bookings/${booking.id}`)).status, 200)
  assert.equal((await owner.get('/api/bookings/me')).status, 403, 'travelers only')
  assert.equal((await traveler.get('/api/owner/bookings')).status, 403, 'owners only')
  assert.deepEqual((await otherOwner.get('/api/owner/bookings')).body.bookings, [])
  assert.deepEqual((await otherTraveler.get('/api/bookings/me')).body.bookings, [])

  assert.equal((await traveler.get(`/api/bookings/${booking.id}`)).body.booking.status, 'pending', 'untouched')
  assert.deepEqual(await published(booking.id), { created: 1, statuses: [] })
})

test('the status state machine: pending -> accepted -> cancelled, and nothing else; each cancellation says who', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const a = await book(traveler, property.id, 70)

  assert.equal((await owner.post(`/api/bookings/${a.id}/accept`)).status, 200)
  await refused('accepting an accepted booking', () => owner.post(`/api/bookings/${a.id}/accept`), 409, 'INVALID_STATUS_TRANSITION')
  const cancelled = await owner.post(`/api/bookings/${a.id}/cancel`)
  assert.equal(cancelled.status, 200, 'an owner may cancel an accepted booking')
  assert.equal(cancelled.body.booking.status, 'cancelled')
  await refused('cancelling a cancelled booking', () => traveler.post(`/api/bookings/${a.id}/cancel`), 409, 'INVALID_STATUS_TRANSITION')
  await refused('accepting a cancelled booking', () => owner.post(`/api/bookings/${a.id}/accept`), 409, 'INVALID_STATUS_TRANSITION')
  assert.deepEqual(await published(a.id), { created: 1, statuses: ['accepted', 'cancelled:owner_declined'] })

  const b = await book(traveler, property.id, 80)
  assert.equal((await traveler.post(`/api/bookings/${b.id}/cancel`)).status, 200, 'a traveler cancels a pending request')
  await refused('accepting a request its traveler cancelled', () => owner.post(`/api/bookings/${b.id}/accept`), 409)
  assert.deepEqual(await published(b.id), { created: 1, statuses: ['cancelled:traveler_cancelled'] })
})

test('accepting cancels the overlapping pending requests, each with its event (reason dates_taken), and later overlapping requests are refused', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner, { price_per_night: 80 })
  const travelers = await Promise.all([1, 2, 3, 4].map(() => signUp(stack.url, 'traveler')))
  const chosen = await book(travelers[0], property.id, 100, 5) // days 100..105
  const overlapping = await book(travelers[1], property.id, 103, 4) // 103..107
  const inside = await book(travelers[2], property.id, 101, 1) // 101..102
  const adjacent = await book(travelers[3], property.id, 105, 2) // starts on the check-out day: no overlap
  assert.equal(chosen.total_price, 400)

  const res = await owner.post(`/api/bookings/${chosen.id}/accept`)
  assert.equal(res.status, 200)
  const status = async (client: Client, id: number) => (await client.get(`/api/bookings/${id}`)).body.booking.status
  assert.equal(await status(travelers[1], overlapping.id), 'cancelled')
  assert.equal(await status(travelers[2], inside.id), 'cancelled')
  assert.equal(await status(travelers[3], adjacent.id), 'pending')

  assert.deepEqual(await published(chosen.id), { created: 1, statuses: ['accepted'] })
  assert.deepEqual(await published(overlapping.id), { created: 1, statuses: ['cancelled:dates_taken'] })
  assert.deepEqual(await published(inside.id), { created: 1, statuses: ['cancelled:dates_taken'] })
  assert.deepEqual(await published(adjacent.id), { created: 1, statuses: [] })
  for (const [t, b] of [[travelers[1], overlapping], [travelers[2], inside]] as const) {
    await waitFor('the automatic cancellation notice', async () =>
      (await t.get('/api/notifications')).body.notifications.some((n: { type: string, booking_id: number }) => n.type === 'booking_cancelled' && n.booking_id === b.id))
  }

  await refused('a request overlapping an accepted booking',
    () => travelers[1].post('/api/bookings', { property_id: property.id, ...stay(104, 3), num_guests: 2 }), 409, 'DATES_UNAVAILABLE')
  const after = await travelers[1].post('/api/bookings', { property_id: property.id, ...stay(107, 3), num_guests: 2 })
  assert.equal(after.status, 201, 'other dates stay bookable')
})

test('the database itself refuses two overlapping accepted stays', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const a = await book(traveler, property.id, 120, 4)
  const b = await book(traveler, property.id, 122, 4)
  await stack.db.query('UPDATE bookings SET status = \'accepted\' WHERE id = $1', [a.id])
  await assert.rejects(stack.db.query('UPDATE bookings SET status = \'accepted\' WHERE id = $1', [b.id]), { code: '23P01' })
})

test('dates: a stay that has begun cannot be cancelled by either party (409 STAY_STARTED, nothing written); one starting today can; a request whose first night has passed is declined or withdrawn, not accepted', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const accepted = async (inDays: number, propertyId = property.id) => {
    const b = await book(traveler, propertyId, inDays)
    assert.equal((await owner.post(`/api/bookings/${b.id}/accept`)).status, 200)
    return b
  }
  /** Moves a booking's dates relative to the database's today: no request may be made for past dates. */
  const move = (id: number, start: number, end: number) =>
    stack.db.query('UPDATE bookings SET start_date = current_date + $2::int, end_date = current_date + $3::int WHERE id = $1', [id, start, end])
  const rowOf = async (id: number) => (await stack.db.query(
    'SELECT b.status, b.reason, b.previous_status, b.updated_at, (SELECT count(*)::int FROM booking_history h WHERE h.booking_id = b.id) AS history FROM bookings b WHERE b.id = $1', [id])).rows[0]
  const actions = async (c: Client, id: number) => (await c.get(`/api/bookings/${id}`)).body.actions

  // Ended months ago, and under way (began yesterday).
  const over = await accepted(10)
  await move(over.id, -120, -116)
  const underWay = await accepted(20)
  await move(underWay.id, -1, 2)
  for (const b of [over, underWay]) {
    const before = await rowOf(b.id)
    assert.equal(before.status, 'accepted')
    await refused('the guest cancels a stay that has begun', () => traveler.post(`/api/bookings/${b.id}/cancel`), 409, 'STAY_STARTED')
    await refused('the host cancels a stay that has begun', () => owner.post(`/api/bookings/${b.id}/cancel`), 409, 'STAY_STARTED')
    assert.deepEqual(await rowOf(b.id), before, 'nothing changed, no line of history')
    assert.deepEqual(await actions(traveler, b.id), [], 'the page offers no cancel')
    assert.deepEqual(await actions(owner, b.id), [])
  }
  const refusal = await traveler.post(`/api/bookings/${over.id}/cancel`)
  assert.equal(refusal.body.message, 'This stay has already begun, so it can no longer be cancelled here.')

  // Its first night today: not begun, so either party may still cancel it.
  const elsewhere = await listProperty(owner)
  const today = await accepted(0, elsewhere.id)
  assert.deepEqual(await actions(traveler, today.id), ['cancel'])
  assert.deepEqual(await actions(owner, today.id), ['cancel'])
  const cancelled = await traveler.post(`/api/bookings/${today.id}/cancel`)
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
  assert.deepEqual([cancelled.body.booking.reason, cancelled.body.booking.previous_status], ['traveler_cancelled', 'accepted'])

  // A request whose first night has passed: too late to accept, still declined or withdrawn.
  const late = await book(traveler, property.id, 30)
  const lateToo = await book(traveler, property.id, 40)
  await move(late.id, -6, -3)
  await move(lateToo.id, -6, -3)
  assert.deepEqual(await actions(owner, late.id), ['decline'])
  assert.deepEqual(await actions(traveler, late.id), ['withdraw'])
  await refused('accepting a request whose first night has passed', () => owner.post(`/api/bookings/${late.id}/accept`), 409, 'REQUEST_DATES_PASSED')
  assert.equal((await rowOf(late.id)).status, 'pending')
  const declined = await owner.post(`/api/bookings/${late.id}/cancel`)
  assert.deepEqual([declined.status, declined.body.booking.reason, declined.body.booking.previous_status], [200, 'owner_declined', 'pending'])
  const withdrawn = await traveler.post(`/api/bookings/${lateToo.id}/cancel`)
  assert.deepEqual([withdrawn.status, withdrawn.body.booking.reason], [200, 'traveler_cancelled'])

  assert.deepEqual(await published(over.id), { created: 1, statuses: ['accepted'] })
  assert.deepEqual(await published(underWay.id), { created: 1, statuses: ['accepted'] })
  assert.deepEqual(await published(today.id), { created: 1, statuses: ['accepted', 'cancelled:traveler_cancelled'] })
  assert.deepEqual(await published(late.id), { created: 1, statuses: ['cancelled:owner_declined'] })
})
