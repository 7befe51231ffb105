import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { Client, listProperty, signUp } from './helpers/http.ts'
import { type Stack, stackWithPeople } from './helpers/stack.ts'

// Favorites: a person's saved places. Adding and removing are idempotent; search and a property's page say
// `favorite` to the signed-in reader (their own saves only), and leave it out for a signed-out one.

let stack: Stack
let owner: Client, traveler: Client, other: Client
before(async () => {
  ({ stack, owner, traveler, other } = await stackWithPeople({ kafka: false },
    { owner: ['owner', 'Olga Owner'], traveler: ['traveler', 'Tara Traveler'], other: ['traveler', 'Otis Other'] }))
})
after(async () => { await stack?.stop() })

const town = () => `Fav${randomBytes(5).toString('hex')}`
const ids = (body: { properties: Array<{ id: number }> }) => body.properties.map(p => p.id)

test('PUT twice saves once, DELETE twice removes once: each answers 204, and the list follows', async () => {
  const place = await listProperty(owner, { city: town() })
  for (let i = 0; i < 2; i++) assert.equal((await traveler.request('PUT', `/api/favorites/${place.id}`)).status, 204)
  const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM favorites WHERE property_id = $1', [place.id])
  assert.equal(rows[0].n, 1, 'one row however often it is saved')
  assert.deepEqual(ids((await traveler.get('/api/favorites')).body), [place.id])
  for (let i = 0; i < 2; i++) assert.equal((await traveler.request('DELETE', `/api/favorites/${place.id}`)).status, 204)
  assert.deepEqual(ids((await traveler.get('/api/favorites')).body), [])
})

test('search and a property read say favorite to the reader who saved it, false to another, nothing when signed out', async () => {
  const city = town()
  const saved = await listProperty(owner, { city })
  const notSaved = await listProperty(owner, { city })
  assert.equal((await traveler.request('PUT', `/api/favorites/${saved.id}`)).status, 204)
  const mine = (await traveler.get(`/api/properties/search?location=${city}`)).body.properties
  assert.deepEqual(mine.map((p: { id: number, favorite: boolean }) => [p.id, p.favorite]).sort(), [[saved.id, true], [notSaved.id, false]].sort())
  const theirs = (await other.get(`/api/properties/search?location=${city}`)).body.properties
  assert.ok(theirs.every((p: { favorite: boolean }) => p.favorite === false), 'another reader sees none of my favorites')
  const signedOut = (await new Client(stack.url).get(`/api/properties/search?location=${city}`)).body.properties
  assert.ok(signedOut.every((p: object) => !('favorite' in p)), 'no favorite field when signed out')
  assert.equal((await traveler.get(`/api/properties/${saved.id}`)).body.property.favorite, true)
  assert.equal((await other.get(`/api/properties/${saved.id}`)).body.property.favorite, false)
  assert.equal('favorite' in (await new Client(stack.url).get(`/api/properties/${saved.id}`)).body.property, false)
})

test('the favorites list is newest saved first, paged by a cursor that is the reader\'s own', async () => {
  const reader = await signUp(stack.url, 'traveler', 'Pia Pager')
  const places = []
  for (let i = 0; i < 5; i++) places.push(await listProperty(owner, { city: town() }))
  // Saved in an order other than the order listed: the page follows the saving.
  const order = [places[3], places[0], places[4], places[1], places[2]]
  for (const p of order) assert.equal((await reader.request('PUT', `/api/favorites/${p.id}`)).status, 204)
  const seen: number[] = []
  let cursor: string | null = null
  do {
    const res: { status: number, body: { properties: Array<{ id: number, favorite: boolean }>, next_cursor: string | null } } =
      await reader.get(`/api/favorites?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(res.status, 200)
    assert.ok(res.body.properties.every(p => p.favorite === true))
    seen.push(...res.body.properties.map(p => p.id))
    cursor = res.body.next_cursor
    if (cursor) {
      const stolen = await traveler.get(`/api/favorites?cursor=${cursor}`)
      assert.equal(stolen.status, 400, 'a cursor given to another person')
      assert.equal(stolen.body.code, 'INVALID_CURSOR')
    }
  } while (cursor)
  assert.deepEqual(seen, order.map(p => p.id).reverse())
})

test('a property that does not exist is a 404; signed out is a 401; a deleted property leaves the list', async () => {
  const missing = await traveler.request('PUT', '/api/favorites/9000000000')
  assert.equal(missing.status, 404)
  assert.equal(missing.body.message, 'Property not found.')
  assert.equal((await new Client(stack.url).request('PUT', '/api/favorites/1')).status, 401)
  assert.equal((await new Client(stack.url).get('/api/favorites')).status, 401)
  const place = await listProperty(owner, { city: town() })
  assert.equal((await other.request('PUT', `/api/favorites/${place.id}`)).status, 204)
  await stack.db.query('DELETE FROM properties WHERE id = $1', [place.id])
  assert.equal(ids((await other.get('/api/favorites')).body).includes(place.id), false)
})
