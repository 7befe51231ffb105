import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../src/log.ts'
import { startPieces } from '../src/services.ts'
import { book, Client, listProperty, signUp, type Reply } from './helpers/http.ts'
import { type Stack, stackWithPeople } from './helpers/stack.ts'

// Paging as docs/http.md says: limit 1–100 (default 20), an opaque cursor, next_cursor null on the last page,
// newest first, and no item repeated or skipped while new items arrive between two pages.

const KEY = 'the paging tests\' cursor key, 32 characters or more'
let stack: Stack
let owner: Client, otherOwner: Client, traveler: Client, otherTraveler: Client
before(async () => {
  ({ stack, owner, otherOwner, traveler, otherTraveler } = await stackWithPeople({ kafka: false, env: { CURSOR_KEY: KEY } }, {
    owner: ['owner', 'Paula Pager'], otherOwner: ['owner', 'Oscar Other'], traveler: ['traveler', 'Pete Pager'], otherTraveler: ['traveler', 'Tess Other']
  }))
})
after(async () => { await stack?.stop() })

interface Item { id: number }

/**
 * Walks a list page by page with `limit`, calling `meanwhile` after every page (to add items), and returns
 * the ids seen, page by page. Asserts the shape of every page.
 */
async function walk (client: Client, path: string, key: string, limit: number, meanwhile = async () => {}) {
  const pages: number[][] = []
  let cursor: string | null = null
  do {
    const sep = path.includes('?') ? '&' : '?'
    const res: Reply = await client.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(Array.isArray(res.body[key]), `${key} is an array`)
    assert.ok(res.body.next_cursor === null || typeof res.body.next_cursor === 'string')
    assert.ok(res.body[key].length <= limit, 'no page larger than the limit')
    pages.push(res.body[key].map((i: Item) => i.id))
    cursor = res.body.next_cursor
    if (cursor) assert.equal(res.body[key].length, limit, 'only the last page is short')
    await meanwhile()
    assert.ok(pages.length < 100, 'the walk ends')
  } while (cursor)
  return pages
}

const descending = (ids: number[]) => [...ids].sort((a, b) => b - a)

/** Every list under test: how to add one item to it, and who reads it. */
interface List { name: string, path: string, key: string, reader: () => Client, add: () => Promise<number> }

let property: { id: number }
let night = 0
const lists: List[] = [
  {
    name: 'GET /api/bookings/me',
    path: '/api/bookings/me',
    key: 'bookings',
    reader: () => traveler,
    add: async () => (await book(traveler, property.id, 10 + (night++ % 300), 1, 1)).id
  },
  {
    name: 'GET /api/owner/bookings',
    path: '/api/owner/bookings',
    key: 'bookings',
    reader: () => owner,
    add: async () => (await book(otherTraveler, property.id, 10 + (night++ % 300), 1, 1)).id
  },
  {
    name: 'GET /api/owner/properties',
    path: '/api/owner/properties',
    key: 'properties',
    reader: () => owner,
    add: async () => (await listProperty(owner, { name: `P${night++}` })).id
  },
  {
    name: 'GET /api/notifications',
    path: '/api/notifications',
    key: 'notifications',
    reader: () => owner,
    // Written as the owner service writes them: the consumers are not what this test is about.
    add: async () => (await stack.db.query(
      `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
       VALUES ($1, 'booking_requested', $2, gen_random_uuid(), 'A request') RETURNING id`,
      [owner.user!.id, (await book(otherTraveler, property.id, 10 + (night++ % 300), 1, 1)).id])).rows[0].id
  }
]

describe('paged lists', () => {
  before(async () => {
    property = await listProperty(owner, { name: 'Paging Place' })
    // Someone else's items, which no list of owner or traveler may show.
    const theirs = await listProperty(otherOwner, { name: 'Not Yours' })
    await book(otherTraveler, theirs.id, 20, 1, 1)
  })

  for (const list of lists) {
    test(`${list.name}: pages of limit, newest first, next_cursor null on the last; items added meanwhile neither repeat nor skip one`, async () => {
      for (let i = 0; i < 7; i++) await list.add()
      const before = descending((await walk(list.reader(), list.path, list.key, 100)).flat())
      assert.ok(before.length >= 7)

      const added: number[] = []
      const pages = await walk(list.reader(), list.path, list.key, 3, async () => { added.push(await list.add()) })
      const seen = pages.flat()
      assert.deepEqual(seen, before, 'every item that existed, once each, in order: none repeated, none skipped')
      assert.equal(new Set(seen).size, seen.length)
      assert.ok(added.every(id => !seen.includes(id)), 'items added meanwhile are newer: they belong before the first page')

      const again = (await walk(list.reader(), list.path, list.key, 100)).flat()
      assert.deepEqual(again, [...descending(added), ...before], 'a fresh walk starts with the newest')
    })
  }

  test('the default page holds 20; limit 100 is allowed; 0, 101, -1 and "ten" are 400', async () => {
    const o = await signUp(stack.url, 'owner')
    for (let i = 0; i < 21; i++) await listProperty(o, { name: `Default ${i}` })
    const first = await o.get('/api/owner/properties')
    assert.equal(first.body.properties.length, 20)
    assert.equal(typeof first.body.next_cursor, 'string')
    const rest = await o.get(`/api/owner/properties?cursor=${encodeURIComponent(first.body.next_cursor)}`)
    assert.equal(rest.body.properties.length, 1)
    assert.equal(rest.body.next_cursor, null)
    const all = await o.get('/api/owner/properties?limit=100')
    assert.equal(all.status, 200)
    assert.equal(all.body.properties.length, 21)
    assert.equal(all.body.next_cursor, null)
    for (const list of lists) {
      for (const limit of ['0', '101', '-1', 'ten']) {
        const res = await list.reader().get(`${list.path}?limit=${limit}`)
        assert.equal(res.status, 400, `${list.path} limit=${limit}`)
        assert.equal(res.body.code, 'VALIDATION_ERROR')
        assert.equal(res.body.details[0].field, 'limit')
      }
    }
  })

  test('a cursor this list did not give out is 400 INVALID_CURSOR, naming the field', async () => {
    const real = (await owner.get('/api/owner/properties?limit=1')).body.next_cursor as string
    const b64 = (text: string) => Buffer.from(text).toString('base64url')
    const bad = ['abc', 'null', b64('v1:0'), b64('v1:-5'), b64('v1:1.5'), b64('v1:99999999999999999999'),
      b64('v1:9223372036854775808'), b64('v2:5'), b64('5'), `${real}!!`, `${real}==`, `x${real}`, '%00']
    for (const list of lists) {
      for (const cursor of bad) {
        const res = await list.reader().get(`${list.path}?cursor=${encodeURIComponent(cursor)}`)
        assert.equal(res.status, 400, `${list.path} cursor=${cursor}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.code, 'INVALID_CURSOR')
        assert.deepEqual(res.body.details.map((d: { field: string }) => d.field), ['cursor'])
      }
      const empty = await list.reader().get(`${list.path}?cursor=`)
      assert.equal(empty.status, 400)
      assert.equal(empty.body.details[0].field, 'cursor')
    }
  })

  test('a cursor is bound to its list, its reader and the key that signed it: forged, altered, another list\'s or another reader\'s is 400', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url')
    const invalid = async (reader: Client, path: string, cursor: string) => {
      const res = await reader.get(`${path}?cursor=${encodeURIComponent(cursor)}`)
      assert.equal(res.status, 400, `${path} cursor=${cursor}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 'INVALID_CURSOR')
    }
    for (const list of lists) await invalid(list.reader(), list.path, b64('v1:1000')) // hand-made, as the review did
    const cursors = new Map<string, string>()
    for (const list of lists) {
      const res = await list.reader().get(`${list.path}?limit=1`)
      assert.equal(typeof res.body.next_cursor, 'string', `${list.path} has a second page`)
      cursors.set(list.path, res.body.next_cursor)
      // The id it carries, changed: a signature over another id.
      const [payload, signature] = res.body.next_cursor.split('.')
      const id = Buffer.from(payload, 'base64url').toString().split(':')[1]
      await invalid(list.reader(), list.path, `${b64(`v2:${BigInt(id) + 1n}`)}.${signature}`)
      await invalid(list.reader(), list.path, `${payload}.${signature.slice(1)}`)
    }
    // Each list's cursor on every other list (owner's lists read by the owner; the traveler's by its traveler).
    for (const list of lists) {
      for (const [path, cursor] of cursors) if (path !== list.path) await invalid(list.reader(), list.path, cursor)
    }
    // Another reader of the same list.
    const stranger = await signUp(stack.url, 'owner')
    await invalid(stranger, '/api/owner/properties', cursors.get('/api/owner/properties')!)
    await invalid(otherOwner, '/api/notifications', cursors.get('/api/notifications')!)
    // The reader's own cursor still works.
    assert.equal((await owner.get(`/api/owner/properties?cursor=${encodeURIComponent(cursors.get('/api/owner/properties')!)}`)).status, 200)
  })

  test('a cursor signed with another CURSOR_KEY (a key rotated away) is 400; another API process with the same key reads it', async () => {
    const cursor = (await owner.get('/api/owner/properties?limit=1')).body.next_cursor as string
    /** The status of the next page asked of another API process on the same database, with this key. */
    const on = async (cursorKey: string) => {
      const api = await startPieces({ ...stack.config, cursorKey }, { api: true }, createLogger('silent'))
      try {
        return (await Object.assign(new Client(api.url!), { cookie: owner.cookie }).get(`/api/owner/properties?cursor=${encodeURIComponent(cursor)}`)).status
      } finally {
        await api.stop()
      }
    }
    assert.equal(await on(KEY), 200)
    assert.equal(await on('another key of at least thirty-two characters'), 400)
  })

  test('owner bookings with a status page through that status only, across the owner\'s properties, and no one else\'s', async () => {
    const o = await signUp(stack.url, 'owner')
    const t = await signUp(stack.url, 'traveler')
    const homes = [await listProperty(o, { name: 'North' }), await listProperty(o, { name: 'South' })]
    const made: Array<{ id: number, status: string }> = []
    for (let i = 0; i < 9; i++) made.push({ ...(await book(t, homes[i % 2].id, 30 + i * 2, 1, 1)) })
    for (const b of made.filter((_, i) => i % 3 === 0)) {
      assert.equal((await o.post(`/api/bookings/${b.id}/accept`)).status, 200)
      b.status = 'accepted'
    }
    for (const status of ['pending', 'accepted']) {
      const pages = await walk(o, `/api/owner/bookings?status=${status}`, 'bookings', 2)
      assert.deepEqual(pages.flat(), descending(made.filter(b => b.status === status).map(b => b.id)), status)
    }
    const all = (await walk(o, '/api/owner/bookings', 'bookings', 4)).flat()
    assert.deepEqual(all, descending(made.map(b => b.id)))
    const page = (await o.get('/api/owner/bookings?limit=1')).body.bookings[0]
    assert.equal(page.traveler_name, t.user!.name)
    assert.ok(['North', 'South'].includes(page.property_name))
    const { rows } = await stack.db.query('SELECT DISTINCT owner_id FROM bookings WHERE property_id = ANY($1)', [homes.map(h => h.id)])
    assert.deepEqual(rows.map(r => r.owner_id), [o.user!.id], 'each booking stores its property\'s owner')
  })
})
