import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// No property is ever double-booked, however many accepts race.

let stack: Stack
before(async () => { stack = await startStack({ record: [TOPICS.statusUpdated] }) })
after(async () => { await stack?.stop() })

test('twenty concurrent accepts of overlapping requests: exactly one wins, the rest get 409', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner, { max_guests: 2 })
  const travelers = await Promise.all(Array.from({ length: 20 }, () => signUp(stack.url, 'traveler')))
  // Twenty requests whose stays all share day 200..201, each shifted a little.
  const requests = await Promise.all(travelers.map((t, i) => book(t, property.id, 195 + (i % 5), 6, 1)))

  const replies = await Promise.all(requests.map(r => owner.post(`/api/bookings/${r.id}/accept`)))
  const statuses = replies.map(r => r.status).sort()
  assert.deepEqual(statuses, [200, ...Array(19).fill(409)])
  for (const r of replies.filter(r => r.status === 409)) assert.match(r.body.code, /INVALID_STATUS_TRANSITION|DATES_UNAVAILABLE/)
  const winner = replies.find(r => r.status === 200)!.body.booking

  const { rows } = await stack.db.query('SELECT id, status FROM bookings WHERE property_id = $1', [property.id])
  assert.equal(rows.filter(r => r.status === 'accepted').length, 1)
  assert.equal(rows.filter(r => r.status === 'cancelled').length, 19, 'the losers were cancelled by the winner')
  assert.equal(rows.find(r => r.status === 'accepted')!.id, winner.id)

  // The events match the database: one accepted for the winner, one cancelled for each other request.
  const ids = requests.map(r => r.id)
  await waitFor('20 status events', () => ids.every(id => stack.recorder.forKey(TOPICS.statusUpdated, id).length >= 1))
  for (const id of ids) {
    const events = stack.recorder.forKey(TOPICS.statusUpdated, id).map(r => JSON.parse(r.value).status)
    assert.deepEqual(events, [id === winner.id ? 'accepted' : 'cancelled'], `booking ${id}`)
  }
})

test('concurrent accepts of requests for separate dates all succeed', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const requests = []
  for (let i = 0; i < 10; i++) requests.push(await book(traveler, property.id, 300 + i * 3, 2))
  const replies = await Promise.all(requests.map(r => owner.post(`/api/bookings/${r.id}/accept`)))
  assert.deepEqual(replies.map(r => r.status), Array(10).fill(200))
})
