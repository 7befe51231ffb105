import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, type Reply } from './helpers/http.ts'
import { type Stack, stackWithPeople } from './helpers/stack.ts'
import { stay } from './helpers/wait.ts'

// Editing a listing, and unlisting and relisting it (issue 18): only the owner, only the fields given, each
// checked; a booking keeps the price it was requested at; an unlisted place is out of search and takes no new
// request, while its bookings stand and its pending requests may still be answered.

let stack: Stack
let owner: Client, otherOwner: Client, traveler: Client
before(async () => { ({ stack, owner, otherOwner, traveler } = await stackWithPeople({ kafka: false })) })
after(async () => { await stack?.stop() })

const patch = (client: Client, id: number | string, body: unknown) => client.request('PATCH', `/api/properties/${id}`, body)
const unique = () => `Town${randomBytes(5).toString('hex')}`

function refused (res: Reply, status: number, code: string, field?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.code, code)
  if (field) assert.deepEqual(res.body.details?.map((d: { field: string }) => d.field), [field], JSON.stringify(res.body))
}

describe('editing', () => {
  test('a new listing has the usual hours, no house rules and no minimum; given ones are kept', async () => {
    const plain = await listProperty(owner) as Record<string, unknown>
    assert.deepEqual([plain.house_rules, plain.check_in_time, plain.check_out_time, plain.min_nights, plain.listed], ['', '15:00', '11:00', 1, true])
    const ruled = await listProperty(owner, { house_rules: 'No parties.', check_in_time: '16:30', check_out_time: '10:00', min_nights: 3 }) as Record<string, unknown>
    assert.deepEqual([ruled.house_rules, ruled.check_in_time, ruled.check_out_time, ruled.min_nights], ['No parties.', '16:30', '10:00', 3])
  })

  test('the owner changes any field; the others stay as they were, and the page reads the change', async () => {
    const p = await listProperty(owner, { name: 'Old Name', city: 'Porto' })
    const change = {
      name: 'New Name',
      description: 'Three rooms now',
      city: 'Braga',
      state: 'Minho',
      country: 'Portugal',
      property_type: 'house',
      price_per_night: 99.99,
      bedrooms: 3,
      bathrooms: 2,
      max_guests: 6,
      amenities: ['wifi'],
      currency: 'USD',
      house_rules: 'Quiet after 22:00.',
      check_in_time: '14:00',
      check_out_time: '12:00',
      min_nights: 2
    }
    const res = await patch(owner, p.id, change)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    for (const [k, v] of Object.entries(change)) assert.deepEqual(res.body.property[k], v, k)
    assert.ok(res.body.property.updated_at > res.body.property.created_at)
    const one = await patch(owner, p.id, { bedrooms: 4 })
    assert.equal(one.body.property.bedrooms, 4)
    assert.equal(one.body.property.name, 'New Name', 'a field not given is not changed')
    assert.equal((await new Client(stack.url).get(`/api/properties/${p.id}`)).body.property.bedrooms, 4)
    // The search reads the new words (search_doc is generated from the row).
    const found = await new Client(stack.url).get('/api/properties/search?location=Braga')
    assert.ok(found.body.properties.some((x: { id: number }) => x.id === p.id))
  })

  test('every field is checked: bad values, unknown fields and an empty change are 400s, nothing written', async () => {
    const p = await listProperty(owner)
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ name: ' ' }, 'name'], [{ price_per_night: 0 }, 'price_per_night'], [{ price_per_night: 1.001 }, 'price_per_night'],
      [{ max_guests: 0 }, 'max_guests'], [{ bedrooms: -1 }, 'bedrooms'], [{ amenities: 'wifi' }, 'amenities'],
      [{ currency: 'XYZ' }, 'currency'], [{ check_in_time: '25:00' }, 'check_in_time'], [{ check_out_time: '9am' }, 'check_out_time'],
      [{ min_nights: 0 }, 'min_nights'], [{ min_nights: 366 }, 'min_nights'], [{ house_rules: 'x'.repeat(5001) }, 'house_rules'],
      [{ listed: 'no' }, 'listed'], [{ owner_id: 1 }, 'owner_id']
    ]
    for (const [body, field] of bad) {
      const res = await patch(owner, p.id, body)
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 'VALIDATION_ERROR')
      assert.ok(res.body.details.some((d: { field: string }) => d.field === field || d.field === 'body'), JSON.stringify(res.body))
      assert.doesNotMatch(res.body.message, /_/, 'words for people, not wire names')
    }
    refused(await patch(owner, p.id, {}), 400, 'VALIDATION_ERROR')
    const { rows: [row] } = await stack.db.query('SELECT name, price_per_night::text AS price, updated_at = created_at AS untouched FROM properties WHERE id = $1', [p.id])
    assert.deepEqual(row, { name: 'Harbour Loft', price: '120.50', untouched: true })
  })

  test('only the owner: another owner 403, a traveler 403, signed out 401, no such property 404', async () => {
    const p = await listProperty(owner)
    refused(await patch(otherOwner, p.id, { name: 'Mine now' }), 403, 'FORBIDDEN')
    refused(await patch(traveler, p.id, { name: 'Mine now' }), 403, 'FORBIDDEN')
    refused(await patch(new Client(stack.url), p.id, { name: 'Mine now' }), 401, 'UNAUTHORIZED')
    refused(await patch(owner, 9_000_000, { name: 'Nowhere' }), 404, 'NOT_FOUND')
    assert.equal((await new Client(stack.url).get(`/api/properties/${p.id}`)).body.property.name, 'Harbour Loft')
  })

  test('a booking keeps the price it was requested at; new requests pay the new price', async () => {
    const p = await listProperty(owner, { price_per_night: 100 })
    const before = await book(traveler, p.id, 30, 2)
    assert.equal(before.total_price, 200)
    assert.equal((await patch(owner, p.id, { price_per_night: 150 })).status, 200)
    const after = await book(traveler, p.id, 40, 2)
    assert.equal(after.total_price, 300)
    assert.equal((await traveler.get(`/api/bookings/${before.id}`)).body.booking.total_price, 200)
  })

  test('the currency cannot change once the place has bookings (their amounts are in it); before, it can', async () => {
    const p = await listProperty(owner)
    assert.equal((await patch(owner, p.id, { currency: 'GBP' })).body.property.currency, 'GBP')
    await book(traveler, p.id, 50, 2)
    const res = await patch(owner, p.id, { currency: 'USD' })
    refused(res, 400, 'VALIDATION_ERROR', 'currency')
    assert.equal(res.body.message, 'The currency cannot change once the place has bookings: their amounts are in its currency.')
    assert.equal((await patch(owner, p.id, { currency: 'GBP', name: 'Same currency' })).status, 200, 'the same currency is no change')
  })

  test('minimum nights: a shorter stay is refused with a 400 that says the minimum; the minimum itself is fine', async () => {
    const p = await listProperty(owner, { min_nights: 3 })
    const short = await traveler.post('/api/bookings', { property_id: p.id, ...stay(60, 2), num_guests: 1 })
    refused(short, 400, 'VALIDATION_ERROR', 'end_date')
    assert.equal(short.body.message, 'This place takes stays of at least 3 nights.')
    assert.equal((await traveler.post('/api/bookings', { property_id: p.id, ...stay(60, 3), num_guests: 1 })).status, 201)
  })
})

describe('unlisting and relisting', () => {
  test('unlisted: out of search, the page says listed false, new requests 409 PROPERTY_UNLISTED; relisted: all back', async () => {
    const city = unique()
    const p = await listProperty(owner, { city })
    const inSearch = async () => (await new Client(stack.url).get(`/api/properties/search?location=${city}`)).body.properties.map((x: { id: number }) => x.id)
    assert.deepEqual(await inSearch(), [p.id])
    assert.equal((await patch(owner, p.id, { listed: false })).body.property.listed, false)
    assert.deepEqual(await inSearch(), [])
    assert.deepEqual(await (await new Client(stack.url).get(`/api/properties/search?location=${city}&sort=price_asc`)).body.properties, [])
    assert.equal((await new Client(stack.url).get(`/api/properties/${p.id}`)).body.property.listed, false)
    const res = await traveler.post('/api/bookings', { property_id: p.id, ...stay(20, 2), num_guests: 1 })
    refused(res, 409, 'PROPERTY_UNLISTED')
    assert.equal(res.body.message, 'This place is not taking requests right now: its owner has unlisted it.')
    assert.equal((await patch(owner, p.id, { listed: true })).body.property.listed, true)
    assert.deepEqual(await inSearch(), [p.id])
    assert.equal((await traveler.post('/api/bookings', { property_id: p.id, ...stay(20, 2), num_guests: 1 })).status, 201)
  })

  test('bookings stand: an accepted stay stays accepted, a pending request may still be accepted or declined', async () => {
    const p = await listProperty(owner)
    const stayAccepted = await book(traveler, p.id, 10, 2)
    assert.equal((await owner.post(`/api/bookings/${stayAccepted.id}/accept`)).status, 200)
    const pendingA = await book(traveler, p.id, 20, 2)
    const pendingB = await book(traveler, p.id, 30, 2)
    assert.equal((await patch(owner, p.id, { listed: false })).status, 200)
    assert.equal((await traveler.get(`/api/bookings/${stayAccepted.id}`)).body.booking.status, 'accepted')
    assert.equal((await owner.post(`/api/bookings/${pendingA.id}/accept`)).body.booking.status, 'accepted')
    assert.equal((await owner.post(`/api/bookings/${pendingB.id}/cancel`)).body.booking.status, 'cancelled')
  })
})
