import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { book, Client, listProperty } from './helpers/http.ts'
import { CAST, type Stack, stackWithPeople } from './helpers/stack.ts'

// GET /api/properties/:id/calendar: each night of whole months, free, taken or blocked, for anyone, with dates
// only: never who stays, never the owner's note.

let stack: Stack
let owner: Client, traveler: Client
before(async () => { ({ stack, owner, traveler } = await stackWithPeople({ kafka: false }, { owner: CAST.owner, traveler: CAST.traveler })) })
after(async () => { await stack?.stop() })

const anyone = () => new Client(stack.url)
/** The first of the month `ahead` months from this one (UTC), and that month as YYYY-MM. */
function monthAhead (ahead: number) {
  const now = new Date()
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1))
  return { first, month: first.toISOString().slice(0, 7) }
}
const plus = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10)

test('whole months, every night once, in order; taken and blocked nights marked; no names, no notes', async () => {
  const p = await listProperty(owner, { min_nights: 2 })
  const { first, month } = monthAhead(2)
  const stay = await traveler.post('/api/bookings', { property_id: p.id, start_date: plus(first, 3), end_date: plus(first, 6), num_guests: 1 })
  assert.equal((await owner.post(`/api/bookings/${stay.body.booking.id}/accept`)).status, 200)
  await book(traveler, p.id, 0, 2) // a pending request: it takes no night
  assert.equal((await owner.post(`/api/properties/${p.id}/blocks`, { start_date: plus(first, 10), end_date: plus(first, 12), note: 'Secret plans' })).status, 201)

  const res = await anyone().get(`/api/properties/${p.id}/calendar?month=${month}&months=2`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const { from, to, min_nights: minNights, nights } = res.body
  assert.equal(from, `${month}-01`)
  assert.equal(to, new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 2, 1)).toISOString().slice(0, 10))
  assert.equal(minNights, 2)
  assert.equal(nights.length, (Date.parse(to) - Date.parse(from)) / 86_400_000)
  nights.forEach((n: { date: string }, i: number) => assert.equal(n.date, plus(first, i)))
  const marked = nights.filter((n: { status: string }) => n.status !== 'free').map((n: { date: string, status: string }) => `${n.date} ${n.status}`)
  assert.deepEqual(marked, [`${plus(first, 3)} taken`, `${plus(first, 4)} taken`, `${plus(first, 5)} taken`, `${plus(first, 10)} blocked`, `${plus(first, 11)} blocked`])
  assert.doesNotMatch(JSON.stringify(res.body), /Tara|Secret|traveler/)
})

test('without a month, this month and the next; a February has its 28 or 29 nights', async () => {
  const p = await listProperty(owner)
  const res = await anyone().get(`/api/properties/${p.id}/calendar`)
  assert.equal(res.body.from, `${new Date().toISOString().slice(0, 7)}-01`)
  const feb = await anyone().get(`/api/properties/${p.id}/calendar?month=2028-02&months=1`)
  assert.equal(feb.body.nights.length, 29)
  assert.equal(feb.body.to, '2028-03-01')
  assert.equal((await anyone().get(`/api/properties/${p.id}/calendar?month=2027-02&months=1`)).body.nights.length, 28)
})

test('bad inputs are 400s in words; no such property is a 404', async () => {
  const p = await listProperty(owner)
  for (const q of ['month=2027-13', 'month=2027-1', 'months=0', 'months=13', 'months=two', 'day=3']) {
    const res = await anyone().get(`/api/properties/${p.id}/calendar?${q}`)
    assert.equal(res.status, 400, `${q}: ${JSON.stringify(res.body)}`)
    assert.doesNotMatch(res.body.message, /_|months=/, q)
  }
  assert.equal((await anyone().get('/api/properties/9000000/calendar')).status, 404)
})
