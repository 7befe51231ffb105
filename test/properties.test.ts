import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, propertyInput, signUp, type Reply } from './helpers/http.ts'
import { type Stack, stackWithPeople } from './helpers/stack.ts'

// Listing, reading and searching properties. The file's tests share one database: each search test
// works in a city (or state, or country) of its own, so other tests' properties never show up in it.

let stack: Stack
let owner: Client, otherOwner: Client, traveler: Client
before(async () => { ({ stack, owner, otherOwner, traveler } = await stackWithPeople({ kafka: false })) })
after(async () => { await stack?.stop() })

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const PROPERTY_FIELDS = ['id', 'owner_id', 'name', 'description', 'city', 'state', 'country', 'property_type', 'price_per_night',
  'bedrooms', 'bathrooms', 'max_guests', 'amenities', 'currency', 'cleaning_fee', 'tax_rate', 'house_rules', 'check_in_time', 'check_out_time', 'min_nights',
  'listed', 'photos', 'created_at', 'updated_at']

/** A place name no other test uses. */
const unique = (prefix = 'Town') => `${prefix}${randomBytes(5).toString('hex')}`
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
const anonymous = () => new Client(stack.url)

type Property = Record<string, any> & { id: number }
interface SearchReply { properties: Property[], total: number, total_exact: boolean }

async function search (query: Record<string, string | number>): Promise<Reply<SearchReply>> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()
  return anonymous().get<SearchReply>(`/api/properties/search${qs ? `?${qs}` : ''}`)
}

/** The ids a successful search returns, and its total. */
async function found (query: Record<string, string | number>) {
  const res = await search(query)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body).sort(), ['properties', 'total', 'total_exact'])
  assert.ok(Number.isInteger(res.body.total))
  // A search result also carries its guests' rating (test/reviews.test.ts).
  for (const p of res.body.properties) assert.deepEqual(Object.keys(p).sort(), [...PROPERTY_FIELDS, 'rating'].sort())
  // Exact below the bound: every test here but the one about the bound searches fewer matches.
  if (res.body.total < 1000) assert.equal(res.body.total_exact, true)
  return { ids: res.body.properties.map(p => p.id), total: res.body.total, total_exact: res.body.total_exact, properties: res.body.properties }
}

function checkError (res: Reply, status: number, code: string, field?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.code, code)
  assert.equal(typeof res.body.message, 'string')
  if (field) assert.ok(res.body.details?.some((d: { field: string }) => d.field === field), JSON.stringify(res.body))
}

describe('creating and reading', () => {
  test('POST /api/properties: 201 with every field of the property, money as a number', async () => {
    const input = propertyInput({ name: 'Tagus View', price_per_night: 120.5, amenities: ['wifi', 'kitchen', 'balcony'] })
    const res = await owner.post('/api/properties', input)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body), ['property'])
    const p = res.body.property
    assert.deepEqual(Object.keys(p).sort(), [...PROPERTY_FIELDS].sort())
    assert.ok(Number.isInteger(p.id) && p.id > 0)
    assert.equal(p.owner_id, owner.user!.id)
    for (const [k, v] of Object.entries(input)) assert.deepEqual(p[k], v, k)
    assert.equal(typeof p.price_per_night, 'number')
    assert.equal(p.price_per_night, 120.5)
    assert.match(p.created_at, ISO)
    assert.match(p.updated_at, ISO)
    // And the row agrees.
    const { rows: [row] } = await stack.db.query('SELECT owner_id, price_per_night::text AS price, amenities FROM properties WHERE id = $1', [p.id])
    assert.equal(Number(row.owner_id), owner.user!.id)
    assert.equal(row.price, '120.50')
    assert.deepEqual(row.amenities, ['wifi', 'kitchen', 'balcony'])
  })

  test('prices keep their cents exactly, and an empty amenity list is fine', async () => {
    // 1.11, 4.35 and 0.07 are no exact multiples of 0.01 in binary floating point: a multipleOf check refuses them.
    for (const price of [0.01, 0.07, 1.11, 4.35, 99.99, 100, 1234.56, 999_999.99, 1_000_000]) {
      const p = await listProperty(owner, { price_per_night: price, amenities: [] })
      assert.equal(p.price_per_night, price)
      assert.deepEqual((p as Property).amenities, [])
    }
  })

  test('GET /api/properties/:id: 200 for anyone, the same property; 404 for one that does not exist', async () => {
    const created = await listProperty(owner, { name: 'Alfama Nook', city: unique() })
    for (const client of [anonymous(), traveler, otherOwner, owner]) {
      const res = await client.get(`/api/properties/${created.id}`)
      assert.equal(res.status, 200)
      // Signed in, whether the reader saved it (test/favorites.test.ts); for everyone, its guests' rating (test/reviews.test.ts).
      const rating = { average: null, count: 0 }
      assert.deepEqual(res.body, { property: client.cookie ? { ...created, favorite: false, rating } : { ...created, rating } })
    }
    const { rows: [{ max }] } = await stack.db.query('SELECT max(id)::int AS max FROM properties')
    checkError(await anonymous().get(`/api/properties/${max + 1000}`), 404, 'NOT_FOUND')
    checkError(await anonymous().get('/api/properties/9223372036854775807'), 404, 'NOT_FOUND')
  })

  test('GET /api/owner/properties: the caller\'s own only; 403 for a traveler, 401 for nobody', async () => {
    const o1 = await signUp(stack.url, 'owner')
    const o2 = await signUp(stack.url, 'owner')
    const mine = [await listProperty(o1, { name: 'One' }), await listProperty(o1, { name: 'Two' })]
    const theirs = await listProperty(o2, { name: 'Three' })

    const res = await o1.get('/api/owner/properties')
    assert.equal(res.status, 200)
    assert.deepEqual(Object.keys(res.body).sort(), ['next_cursor', 'properties'])
    assert.equal(res.body.next_cursor, null, 'one page holds them all')
    assert.deepEqual(res.body.properties.map((p: Property) => p.id).sort(), mine.map(p => p.id).sort())
    for (const p of res.body.properties) {
      assert.equal(p.owner_id, o1.user!.id)
      assert.deepEqual(p, mine.find(m => m.id === p.id))
    }
    assert.deepEqual((await o2.get('/api/owner/properties')).body.properties.map((p: Property) => p.id), [theirs.id])

    const none = await signUp(stack.url, 'owner')
    assert.deepEqual((await none.get('/api/owner/properties')).body, { properties: [], next_cursor: null })
    checkError(await traveler.get('/api/owner/properties'), 403, 'FORBIDDEN')
    checkError(await anonymous().get('/api/owner/properties'), 401, 'UNAUTHORIZED')
  })
})

describe('search by what people type', () => {
  test('a word of the city, the state or the country matches, whatever the case', async () => {
    const city = unique('City')
    const state = unique('State')
    const country = unique('Country')
    const byCity = await listProperty(owner, { city })
    const byState = await listProperty(owner, { state })
    const byCountry = await listProperty(otherOwner, { country })
    for (const [location, expected] of [
      [city, byCity], [city.toUpperCase(), byCity], [city.toLowerCase(), byCity],
      [state, byState], [state.toUpperCase(), byState],
      [country, byCountry], [country.toLowerCase(), byCountry]
    ] as const) {
      const { ids, total } = await found({ location })
      assert.deepEqual(ids, [expected.id], location)
      assert.equal(total, 1)
    }
    // The three together share a word; all three match it, equally well: newest first.
    const shared = unique('Shared')
    const a = await listProperty(owner, { city: `${shared} City` })
    const b = await listProperty(owner, { state: `${shared} State` })
    const c = await listProperty(owner, { country: `${shared} Country` })
    const res = await found({ location: shared.toLowerCase() })
    assert.deepEqual(res.ids, [c.id, b.id, a.id])
    assert.equal(res.total, 3)
  })

  test('the title and the description match too; "City, Country" finds the place; accents are optional both ways', async () => {
    const tag = unique('Tag')
    const titled = await listProperty(owner, { name: `Alfama ${tag} loft`, city: 'Lisbon', country: 'Portugal' })
    const described = await listProperty(owner, { description: `Quiet rooms near ${tag} square, in São Tomé`, city: 'Évora', state: 'Alentejo', country: 'Portugal' })
    assert.deepEqual((await found({ location: `alfama ${tag}` })).ids, [titled.id])
    assert.deepEqual((await found({ location: `${tag} Lisbon, Portugal` })).ids, [titled.id])
    assert.deepEqual((await found({ location: `${tag.toUpperCase()},PORTUGAL` })).ids, [titled.id, described.id], 'in the title ranks above in the description')
    for (const location of [`${tag} sao tome`, `${tag} São Tomé`, `${tag} SAO TOMÉ`, `${tag} evora`, `${tag} Évora, Portugal`, `${tag}   Alentejo  `]) {
      assert.deepEqual((await found({ location })).ids, [described.id], location)
    }
    // The words must all be there: another country's name leaves it out.
    assert.deepEqual((await found({ location: `${tag} Lisbon, Spain` })).ids, [])
  })

  test('a word matches the start of a word; a misspelt one matches the nearest known words; a made-up one nothing', async () => {
    const town = unique('Lisbon')
    const p = await listProperty(owner, { city: `Vila Nova de ${town}` })
    assert.deepEqual((await found({ location: town.slice(0, -2) })).ids, [p.id], 'the start of the word')
    assert.deepEqual((await found({ location: `  ${town}  ` })).ids, [p.id], 'blanks around it')
    const typo = town.slice(0, 4) + town.slice(5) // "lisbn…": a letter left out
    assert.deepEqual((await found({ location: typo })).ids, [p.id], typo)
    assert.deepEqual((await found({ location: `${town}x` })).ids, [p.id], 'one letter too many')
    assert.deepEqual((await found({ location: unique('Qwzx') })).ids, [], 'a word like no other finds nothing')
  })

  test('the best match comes first: the title, then the place, then the description', async () => {
    const tag = unique('Rank')
    const inDescription = await listProperty(owner, { description: `Walk to ${tag} in five minutes.` })
    const inTitle = await listProperty(owner, { name: `${tag} house` })
    const inPlace = await listProperty(owner, { city: tag })
    assert.deepEqual((await found({ location: tag })).ids, [inTitle.id, inPlace.id, inDescription.id])
  })

  test('punctuation separates words and is never syntax: quotes, SQL, tsquery and LIKE characters are text', async () => {
    const tag = unique('Pct')
    const percent = await listProperty(owner, { city: `100% ${tag}` })
    const underscore = await listProperty(owner, { city: `Under_${tag}` })
    for (const location of [`${tag}' OR '1'='1`, `${tag} & !${tag}`, `${tag}:* | (x`, `%${tag}`, `${tag}\\`, `"${tag}"`]) {
      const res = await search({ location })
      assert.equal(res.status, 200, `${location}: ${JSON.stringify(res.body)}`)
      assert.ok(res.body.properties.every(p => [percent.id, underscore.id].includes(p.id)), location)
    }
    assert.deepEqual((await found({ location: `100% ${tag}` })).ids, [percent.id])
    assert.deepEqual((await found({ location: `under ${tag}` })).ids, [underscore.id])
  })

  test('punctuation alone, or more than 100 characters, is refused (400) with the field named', async () => {
    for (const location of ['%', '...', ' ,;:!? ', '_', '\'"', '&|!():*']) {
      checkError(await search({ location }), 400, 'VALIDATION_ERROR', 'location')
    }
    checkError(await search({ location: 'a'.repeat(101) }), 400, 'VALIDATION_ERROR', 'location')
    checkError(await search({ location: 'lisbon '.repeat(1430) }), 400, 'VALIDATION_ERROR', 'location')
    assert.equal((await search({ location: '   ' })).status, 200, 'blanks are no search at all: every place')
  })

  test('guests keeps the properties that hold that many', async () => {
    const city = unique()
    const two = await listProperty(owner, { city, max_guests: 2 })
    const four = await listProperty(owner, { city, max_guests: 4 })
    const six = await listProperty(owner, { city, max_guests: 6 })
    assert.deepEqual((await found({ location: city })).ids, [six.id, four.id, two.id])
    assert.deepEqual((await found({ location: city, guests: 1 })).ids, [six.id, four.id, two.id])
    assert.deepEqual((await found({ location: city, guests: 4 })).ids, [six.id, four.id])
    assert.deepEqual((await found({ location: city, guests: 6 })).ids, [six.id])
    const none = await found({ location: city, guests: 7 })
    assert.deepEqual(none, { ids: [], total: 0, total_exact: true, properties: [] })
    for (const guests of ['0', '-1', '1.5', 'two', '101']) {
      checkError(await search({ location: city, guests }), 400, 'VALIDATION_ERROR', 'guests')
    }
  })

  test('sort by price either way or newest; filters for the price range and the type', async () => {
    const city = unique('Sorted')
    const cheap = await listProperty(owner, { city, price_per_night: 40, property_type: 'cabin' })
    const dear = await listProperty(owner, { city, price_per_night: 300, property_type: 'Villa' })
    const mid = await listProperty(owner, { city, price_per_night: 120, property_type: 'cabin' })
    const same = await listProperty(owner, { city, price_per_night: 120, property_type: 'apartment' })
    assert.deepEqual((await found({ location: city, sort: 'price_asc' })).ids, [cheap.id, mid.id, same.id, dear.id])
    assert.deepEqual((await found({ location: city, sort: 'price_desc' })).ids, [dear.id, same.id, mid.id, cheap.id])
    assert.deepEqual((await found({ location: city, sort: 'newest' })).ids, [same.id, mid.id, dear.id, cheap.id])
    assert.deepEqual((await found({ location: city, min_price: 100 })).ids, [same.id, mid.id, dear.id])
    assert.deepEqual((await found({ location: city, max_price: 120, sort: 'price_asc' })).ids, [cheap.id, mid.id, same.id])
    assert.deepEqual((await found({ location: city, min_price: 120, max_price: 120 })).ids, [same.id, mid.id])
    assert.deepEqual((await found({ location: city, type: 'CABIN' })).ids, [mid.id, cheap.id])
    assert.deepEqual((await found({ location: city, type: 'villa', max_price: 200 })).ids, [])
    // Without words the same sorts and filters walk every property; this city's are among them, in order.
    const walked = (await found({ sort: 'price_desc', type: 'villa', limit: 100 })).ids
    assert.ok(walked.includes(dear.id))
    const prices = (await found({ sort: 'price_asc', min_price: 40, max_price: 40, limit: 100 })).properties.map(p => p.price_per_night)
    assert.ok(prices.length > 0 && prices.every(x => x === 40))
    for (const [query, field] of [
      [{ sort: 'stars' }, 'sort'], [{ sort: '' }, 'sort'], [{ min_price: '-1' }, 'min_price'], [{ max_price: 'cheap' }, 'max_price'],
      [{ min_price: '200', max_price: '100' }, 'min_price'], [{ type: 'x'.repeat(51) }, 'type'], [{ type: '' }, 'type']
    ] as Array<[Record<string, string>, string]>) {
      checkError(await search({ location: city, ...query }), 400, 'VALIDATION_ERROR', field)
    }
  })
})

describe('paging', () => {
  let city: string
  let all: number[]
  before(async () => {
    city = unique('Paged')
    all = []
    for (let i = 0; i < 25; i++) all.push((await listProperty(owner, { city, name: `Flat ${i}` })).id)
  })

  test('20 by default, with the total of all matches', async () => {
    const { ids, total } = await found({ location: city })
    assert.equal(ids.length, 20)
    assert.equal(total, 25)
    assert.deepEqual(ids, all.toReversed().slice(0, 20), 'as good a match each: newest first')
  })

  test('limit and offset page through every match once, in a stable order', async () => {
    const seen: number[] = []
    for (let offset = 0; offset < 25; offset += 10) {
      const { ids, total } = await found({ location: city, limit: 10, offset })
      assert.equal(total, 25)
      assert.equal(ids.length, Math.min(10, 25 - offset))
      seen.push(...ids)
    }
    assert.deepEqual(seen, all.toReversed())
    assert.deepEqual((await found({ location: city, limit: 1, offset: 24 })).ids, [all[0]])
    assert.equal((await found({ location: city, limit: 100 })).ids.length, 25)
  })

  test('an offset at or past the end gives no properties and still the right total', async () => {
    for (const offset of [25, 26, 1000, 1_000_000]) {
      const res = await found({ location: city, offset })
      assert.deepEqual(res.ids, [], `offset ${offset}`)
      assert.equal(res.total, 25, `offset ${offset}`)
    }
  })

  test('past 1,000 matches the total stops counting: total 1000, total_exact false; paging past it counts to the page\'s end', async () => {
    const country = unique('Many')
    // 1,005 properties straight in SQL (the API would take a while), owned by the test's owner.
    const { rows } = await stack.db.query(
      `INSERT INTO properties (owner_id, name, description, city, state, country, property_type, price_per_night, bedrooms, bathrooms, max_guests)
       SELECT $1, 'Many ' || i, '', 'Somewhere', 'Some state', $2, 'flat', 80, 1, 1, 2 FROM generate_series(1, 1005) i RETURNING id`,
      [owner.user!.id, country])
    const ids = rows.map(r => Number(r.id)).sort((a, b) => b - a) // as good a match each: newest first
    for (const dates of [{}, { start_date: day(40), end_date: day(42) }] as Record<string, string>[]) {
      const first = await found({ location: country, ...dates })
      assert.deepEqual(first.ids, ids.slice(0, 20))
      assert.equal(first.total, 1000)
      assert.equal(first.total_exact, false)
      // The page ending at 1,000 is still within the bound.
      const at = await found({ location: country, limit: 100, offset: 900, ...dates })
      assert.deepEqual(at.ids, ids.slice(900, 1000))
      assert.deepEqual([at.total, at.total_exact], [1000, false])
      // A page reaching past the bound is counted to its end, and here that reaches every match.
      const past = await found({ location: country, limit: 100, offset: 950, ...dates })
      assert.deepEqual(past.ids, ids.slice(950))
      assert.deepEqual([past.total, past.total_exact], [1005, true])
    }
    // 1,000 matches exactly: an exact total.
    await stack.db.query("UPDATE properties SET country = 'Elsewhere' WHERE id = ANY($1)", [ids.slice(1000)])
    const exact = await found({ location: country })
    assert.deepEqual([exact.total, exact.total_exact], [1000, true])
  })

  test('a limit over 100, or under 1, and a negative offset are refused (400)', async () => {
    for (const limit of ['101', '1000', '0', '-1', '2.5', 'all']) {
      checkError(await search({ location: city, limit }), 400, 'VALIDATION_ERROR', 'limit')
    }
    for (const offset of ['-1', '1.5', 'x']) {
      checkError(await search({ location: city, offset }), 400, 'VALIDATION_ERROR', 'offset')
    }
  })
})

describe('search by dates', () => {
  test('start_date without end_date, or end_date without start_date, is refused (400)', async () => {
    checkError(await search({ start_date: day(10) }), 400, 'VALIDATION_ERROR', 'end_date')
    checkError(await search({ end_date: day(10) }), 400, 'VALIDATION_ERROR', 'start_date')
  })

  test('impossible, reversed, empty, past and too long stays are refused (400)', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ start_date: '2027-02-30', end_date: '2027-03-02' }, 'start_date'],
      [{ start_date: day(10), end_date: '2027-13-01' }, 'end_date'],
      [{ start_date: day(12), end_date: day(10) }, 'end_date'],
      [{ start_date: day(10), end_date: day(10) }, 'end_date'],
      [{ start_date: day(-3), end_date: day(2) }, 'start_date'],
      [{ start_date: day(10), end_date: day(376) }, 'end_date']
    ]
    for (const [query, field] of cases) checkError(await search(query), 400, 'VALIDATION_ERROR', field)
    assert.equal((await search({ start_date: day(10), end_date: day(375) })).status, 200, '365 nights is fine')
  })

  test('an accepted booking overlapping the dates excludes the property; pending and cancelled ones do not', async () => {
    const city = unique('Avail')
    const acceptedHere = await listProperty(owner, { city, name: 'Accepted' })
    const pendingHere = await listProperty(owner, { city, name: 'Pending' })
    const cancelledHere = await listProperty(owner, { city, name: 'Cancelled' })
    const acceptedThenCancelledHere = await listProperty(owner, { city, name: 'Accepted then cancelled' })
    const free = await listProperty(owner, { city, name: 'Free' })

    // Each booked for days 30..33 (3 nights: check-in day 30, check-out day 33).
    const accepted = await book(traveler, acceptedHere.id, 30, 3)
    assert.equal((await owner.post(`/api/bookings/${accepted.id}/accept`)).body.booking.status, 'accepted')
    await book(traveler, pendingHere.id, 30, 3)
    const cancelled = await book(traveler, cancelledHere.id, 30, 3)
    assert.equal((await traveler.post(`/api/bookings/${cancelled.id}/cancel`)).body.booking.status, 'cancelled')
    const undone = await book(traveler, acceptedThenCancelledHere.id, 30, 3)
    assert.equal((await owner.post(`/api/bookings/${undone.id}/accept`)).status, 200)
    assert.equal((await owner.post(`/api/bookings/${undone.id}/cancel`)).body.booking.status, 'cancelled')

    const everything = [acceptedHere.id, pendingHere.id, cancelledHere.id, acceptedThenCancelledHere.id, free.id].reverse() // newest first
    const allButAccepted = everything.filter(id => id !== acceptedHere.id)
    const overlapping: Array<[number, number, string]> = [
      [30, 33, 'the same dates'],
      [31, 32, 'inside'],
      [28, 31, 'over the check-in day'],
      [32, 40, 'over the last night'],
      [20, 50, 'around it'],
      [30, 31, 'the first night'],
      [32, 33, 'the last night']
    ]
    for (const [from, to, what] of overlapping) {
      const res = await found({ location: city, start_date: day(from), end_date: day(to) })
      assert.deepEqual(res.ids, allButAccepted, what)
      assert.equal(res.total, allButAccepted.length, what)
    }
    const clear: Array<[number, number, string]> = [
      [33, 35, 'checking in on the day the accepted stay checks out'],
      [27, 30, 'checking out on the day the accepted stay checks in'],
      [40, 45, 'later'],
      [1, 5, 'earlier']
    ]
    for (const [from, to, what] of clear) {
      const res = await found({ location: city, start_date: day(from), end_date: day(to) })
      assert.deepEqual(res.ids, everything, what)
      assert.equal(res.total, everything.length, what)
    }
    // Without dates every property is there.
    assert.deepEqual((await found({ location: city })).ids, everything)
    // Dates and guests and paging together: total counts the available ones only.
    const paged = await found({ location: city, start_date: day(30), end_date: day(33), limit: 2, offset: 2 })
    assert.deepEqual(paged.ids, allButAccepted.slice(2, 4))
    assert.equal(paged.total, allButAccepted.length)
  })

  test('another property\'s accepted booking excludes nothing here', async () => {
    const city = unique('Near')
    const here = await listProperty(owner, { city })
    const elsewhere = await listProperty(owner, { city: unique('Far') })
    const b = await book(traveler, elsewhere.id, 50, 4)
    assert.equal((await owner.post(`/api/bookings/${b.id}/accept`)).status, 200)
    assert.deepEqual((await found({ location: city, start_date: day(50), end_date: day(54) })).ids, [here.id])
  })
})
