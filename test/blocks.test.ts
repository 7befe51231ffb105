import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, type Reply } from './helpers/http.ts'
import { type Stack, stackWithPeople } from './helpers/stack.ts'
import { stay } from './helpers/wait.ts'

// Blocked dates (issue 18): an owner takes nights off sale and gives them back. A block and an accepted stay never
// share a night, refused by PostgreSQL itself (taken_nights' exclusion constraint), whatever wrote the rows;
// requests over blocked nights are refused; a block declines the pending requests under it, each with its event.

let stack: Stack
let owner: Client, otherOwner: Client, traveler: Client
before(async () => { ({ stack, owner, otherOwner, traveler } = await stackWithPeople({ kafka: false })) })
after(async () => { await stack?.stop() })

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
const block = (client: Client, id: number | string, inDays: number, nights: number, note?: string) =>
  client.post(`/api/properties/${id}/blocks`, { start_date: day(inDays), end_date: day(inDays + nights), ...(note !== undefined && { note }) })
const request = (propertyId: number, inDays: number, nights: number) =>
  traveler.post('/api/bookings', { property_id: propertyId, ...stay(inDays, nights), num_guests: 1 })

function refused (res: Reply, status: number, code: string, message?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.code, code)
  if (message) assert.equal(res.body.message, message)
}

describe('blocking and unblocking', () => {
  test('a block takes its nights off sale: listed for the owner, taken for everyone, requests over it 409; unblocked, they are free', async () => {
    const p = await listProperty(owner)
    const res = await block(owner, p.id, 10, 3, 'Painting the kitchen')
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const b = res.body.block
    assert.deepEqual({ ...b, id: 0, created_at: 0 }, { id: 0, property_id: p.id, start_date: day(10), end_date: day(13), note: 'Painting the kitchen', created_at: 0 })
    assert.deepEqual(res.body.cancelled_bookings, [])
    assert.deepEqual((await owner.get(`/api/properties/${p.id}/blocks`)).body.blocks.map((x: { id: number }) => x.id), [b.id])
    assert.deepEqual((await new Client(stack.url).get(`/api/properties/${p.id}/taken`)).body.taken, [{ start_date: day(10), end_date: day(13) }])

    refused(await request(p.id, 12, 3), 409, 'DATES_BLOCKED', 'The owner has blocked some of these nights; choose other dates.')
    refused(await request(p.id, 8, 10), 409, 'DATES_BLOCKED')
    assert.equal((await request(p.id, 13, 2)).status, 201, 'checking in the morning the block ends is fine')
    assert.equal((await request(p.id, 8, 2)).status, 201, 'checking out the morning the block starts is fine')

    const gone = await owner.request('DELETE', `/api/properties/${p.id}/blocks/${b.id}`)
    assert.equal(gone.status, 204)
    assert.deepEqual((await owner.get(`/api/properties/${p.id}/blocks`)).body.blocks, [])
    assert.equal((await request(p.id, 10, 3)).status, 201)
    refused(await owner.request('DELETE', `/api/properties/${p.id}/blocks/${b.id}`), 404, 'NOT_FOUND', 'Block not found.')
  })

  test('search with dates leaves out a property blocked over them', async () => {
    const city = `Town${randomBytes(5).toString('hex')}`
    const p = await listProperty(owner, { city })
    await block(owner, p.id, 30, 5)
    const found = async (from: number, to: number) => (await new Client(stack.url).get(`/api/properties/search?location=${city}&start_date=${day(from)}&end_date=${day(to)}`)).body.properties.length
    assert.equal(await found(31, 33), 0)
    assert.equal(await found(35, 37), 1)
  })

  test('blocking over an accepted stay is a 409 that says why; over another block too; next to them is fine', async () => {
    const p = await listProperty(owner)
    const b = await book(traveler, p.id, 20, 3)
    assert.equal((await owner.post(`/api/bookings/${b.id}/accept`)).status, 200)
    refused(await block(owner, p.id, 22, 5), 409, 'BLOCK_OVER_STAY', 'An accepted stay holds some of these nights; cancel it first, or block the nights around it.')
    assert.equal((await block(owner, p.id, 23, 4)).status, 201, 'from the check-out morning on')
    refused(await block(owner, p.id, 25, 4), 409, 'BLOCK_OVER_BLOCK')
    assert.equal((await block(owner, p.id, 18, 2)).status, 201, 'up to the check-in morning')
    // Once the stay is cancelled, its nights may be blocked.
    assert.equal((await owner.post(`/api/bookings/${b.id}/cancel`)).status, 200)
    assert.equal((await block(owner, p.id, 20, 3)).status, 201)
  })

  test('blocking over pending requests declines them (owner_declined, by the owner), each with its event; others stand', async () => {
    const p = await listProperty(owner)
    const under = await book(traveler, p.id, 40, 3)
    const across = await book(traveler, p.id, 44, 3)
    const beside = await book(traveler, p.id, 50, 2)
    const res = await block(owner, p.id, 42, 4)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(res.body.cancelled_bookings, [under.id, across.id])
    for (const id of [under.id, across.id]) {
      const detail = (await traveler.get(`/api/bookings/${id}`)).body
      assert.deepEqual([detail.booking.status, detail.booking.reason, detail.booking.previous_status], ['cancelled', 'owner_declined', 'pending'])
      assert.deepEqual(detail.history.at(-1).by, 'owner')
      const { rows } = await stack.db.query('SELECT payload FROM outbox WHERE key = $1 AND payload::json ->> \'status\' = \'cancelled\'', [String(id)])
      assert.equal(rows.length, 1)
      assert.equal(JSON.parse(rows[0].payload).reason, 'owner_declined')
    }
    assert.equal((await traveler.get(`/api/bookings/${beside.id}`)).body.booking.status, 'pending')
  })

  test('bad inputs are 400s in words: end before start, in the past, too long, too far ahead, a long note; nothing written', async () => {
    const p = await listProperty(owner)
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ start_date: day(5), end_date: day(5) }, 'A block must end after it starts: the end date is the morning after its last night.'],
      [{ start_date: day(5), end_date: day(3) }, 'A block must end after it starts: the end date is the morning after its last night.'],
      [{ start_date: day(-2), end_date: day(3) }, 'A block must start today or later: past nights cannot be blocked.'],
      [{ start_date: day(5), end_date: day(400) }, 'A block may cover at most 365 nights; block a longer time in parts.'],
      [{ start_date: day(800), end_date: day(801) }, 'A block must start at most 730 days from today.'],
      [{ start_date: day(5), end_date: day(6), note: 'x'.repeat(201) }, ''],
      [{ start_date: '2026-02-30', end_date: day(6) }, ''],
      [{ start_date: day(5) }, ''],
      [{ start_date: day(5), end_date: day(6), why: 'x' }, '']
    ]
    for (const [body, message] of cases) {
      const res = await owner.post(`/api/properties/${p.id}/blocks`, body)
      refused(res, 400, 'VALIDATION_ERROR', message || undefined)
      assert.doesNotMatch(res.body.message, /_/, 'words for people')
    }
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM property_blocks WHERE property_id = $1', [p.id])
    assert.equal(rows[0].n, 0)
  })

  test('only the owner: another owner and a traveler 403, signed out 401, no such property or block 404', async () => {
    const p = await listProperty(owner)
    const mine = (await block(owner, p.id, 60, 2)).body.block
    const other = await listProperty(otherOwner)
    const theirs = (await block(otherOwner, other.id, 60, 2)).body.block
    refused(await block(otherOwner, p.id, 70, 2), 403, 'FORBIDDEN')
    refused(await block(traveler, p.id, 70, 2), 403, 'FORBIDDEN')
    refused(await block(new Client(stack.url), p.id, 70, 2), 401, 'UNAUTHORIZED')
    refused(await block(owner, 9_000_000, 70, 2), 404, 'NOT_FOUND', 'Property not found.')
    refused(await otherOwner.get(`/api/properties/${p.id}/blocks`), 403, 'FORBIDDEN')
    refused(await otherOwner.request('DELETE', `/api/properties/${p.id}/blocks/${mine.id}`), 403, 'FORBIDDEN')
    // Another property's block named under this one's address is not found here, and stays.
    refused(await owner.request('DELETE', `/api/properties/${p.id}/blocks/${theirs.id}`), 404, 'NOT_FOUND')
    assert.equal((await otherOwner.get(`/api/properties/${other.id}/blocks`)).body.blocks.length, 1)
    refused(await owner.request('DELETE', `/api/properties/${p.id}/blocks/0`), 400, 'VALIDATION_ERROR')
  })
})

describe('the database refuses the overlap itself', () => {
  test('a block written in SQL over an accepted stay, and a stay accepted in SQL over a block, fail with exclusion_violation', async () => {
    const p = await listProperty(owner)
    const b = await book(traveler, p.id, 100, 4)
    await stack.db.query("UPDATE bookings SET status = 'accepted' WHERE id = $1", [b.id])
    await assert.rejects(stack.db.query('INSERT INTO property_blocks (property_id, start_date, end_date) VALUES ($1, $2, $3)', [p.id, day(102), day(106)]),
      (err: { code?: string, constraint?: string }) => err.code === '23P01' && err.constraint === 'taken_nights_no_overlap')

    const q = await book(traveler, p.id, 110, 3)
    await stack.db.query('INSERT INTO property_blocks (property_id, start_date, end_date) VALUES ($1, $2, $3)', [p.id, day(111), day(112)])
    await assert.rejects(stack.db.query("UPDATE bookings SET status = 'accepted' WHERE id = $1", [q.id]),
      (err: { code?: string, constraint?: string }) => err.code === '23P01' && err.constraint === 'taken_nights_no_overlap')
    // Moving a block onto the stay is refused too.
    await assert.rejects(stack.db.query('UPDATE property_blocks SET start_date = $2 WHERE property_id = $1', [p.id, day(103)]),
      (err: { code?: string }) => err.code === '23P01')
    // A cancelled stay gives its nights back.
    await stack.db.query("UPDATE bookings SET status = 'cancelled', reason = 'owner_declined', previous_status = 'accepted' WHERE id = $1", [b.id])
    await stack.db.query('INSERT INTO property_blocks (property_id, start_date, end_date) VALUES ($1, $2, $3)', [p.id, day(102), day(106)])
  })

  test('accept and block racing over the same nights: exactly one wins, every round, and no night is held twice', async () => {
    const p = await listProperty(owner)
    for (let round = 0; round < 8; round++) {
      const at = 200 + round * 10
      const b = await book(traveler, p.id, at, 3)
      const [accepted, blocked] = await Promise.all([owner.post(`/api/bookings/${b.id}/accept`), block(owner, p.id, at + 1, 3)])
      if (accepted.status === 200) {
        refused(blocked, 409, 'BLOCK_OVER_STAY')
      } else {
        assert.equal(blocked.status, 201, JSON.stringify(blocked.body))
        assert.deepEqual(blocked.body.cancelled_bookings, [b.id])
        refused(accepted, 409, 'INVALID_STATUS_TRANSITION')
      }
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM taken_nights a JOIN taken_nights b ON a.property_id = b.property_id AND a.ctid < b.ctid
        AND stays_overlap(a.start_date, a.end_date, b.start_date, b.end_date) WHERE a.property_id = $1`, [p.id])
    assert.equal(rows[0].n, 0)
  })
})
