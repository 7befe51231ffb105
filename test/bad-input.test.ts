import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, propertyInput, signUp, type Reply } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { assertWordsForPeople } from './helpers/words.ts'

// Bad input on every write endpoint: a 4xx, a JSON error body that says what is wrong, and not one row written.

let stack: Stack
let ownerA: Client, ownerB: Client, travelerA: Client, travelerB: Client
let property: { id: number }
let booking: { id: number }

before(async () => {
  stack = await startStack({ kafka: false })
  ownerA = await signUp(stack.url, 'owner', 'Ada Owner')
  ownerB = await signUp(stack.url, 'owner', 'Bea Owner')
  travelerA = await signUp(stack.url, 'traveler', 'Tia Traveler')
  travelerB = await signUp(stack.url, 'traveler', 'Theo Traveler')
  property = await listProperty(ownerA, { max_guests: 4 })
  booking = await book(travelerA, property.id, 30, 3, 2)
})
after(async () => { await stack?.stop() })

/** YYYY-MM-DD, n days from today (UTC). */
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
const MB = 'x'.repeat(1024 * 1024)
const TABLES = ['users', 'sessions', 'login_failures', 'properties', 'bookings', 'outbox'] as const

async function counts () {
  const entries = await Promise.all(TABLES.map(async t =>
    [t, (await stack.db.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n] as const))
  return Object.fromEntries(entries)
}

type Who = 'anonymous' | 'ownerA' | 'ownerB' | 'travelerA' | 'travelerB'
const client = (who: Who) => {
  switch (who) {
    case 'anonymous': return new Client(stack.url) // a fresh jar every time
    case 'ownerA': return ownerA
    case 'ownerB': return ownerB
    case 'travelerA': return travelerA
    case 'travelerB': return travelerB
  }
}

interface Case {
  name: string
  as?: Who
  method?: string
  /** A function when it needs ids made in before(). */
  path?: string | (() => string)
  /** An object is sent as JSON; a string is sent as it is (with content-type application/json unless headers say otherwise). */
  body?: unknown | (() => unknown)
  headers?: Record<string, string>
  /** The status, or the statuses either of which is right. */
  status: number | number[]
  code: string
  /** For validation errors: a field that details must name. */
  field?: string
  /** The exact sentence of the reply's message (and of the field's detail, when field is given). */
  message?: string
}

/** Checks an error reply: the status, a JSON { code, message, details? } body, and no trace of the server's insides. */
function checkError (res: Reply, c: Pick<Case, 'status' | 'code' | 'field' | 'message'>) {
  const text = JSON.stringify(res.body)
  if (Array.isArray(c.status)) assert.ok(c.status.includes(res.status), `status ${res.status} not in ${c.status} (body: ${text})`)
  else assert.equal(res.status, c.status, `status (body: ${text})`)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal(typeof res.body, 'object')
  assert.equal(res.body.code, c.code, text)
  assert.equal(typeof res.body.message, 'string')
  assert.ok(res.body.message.length > 0, 'a message in words')
  const keys = Object.keys(res.body)
  assert.ok(keys.every(k => ['code', 'message', 'details'].includes(k)), `only code, message, details: ${keys}`)
  if (res.body.details !== undefined) {
    assert.ok(Array.isArray(res.body.details) && res.body.details.length > 0, 'details is a non-empty array')
    for (const d of res.body.details) {
      assert.deepEqual(Object.keys(d).sort(), ['field', 'message'])
      assert.equal(typeof d.field, 'string')
      assert.equal(typeof d.message, 'string')
    }
  }
  if (c.field !== undefined) {
    assert.ok(Array.isArray(res.body.details), `details expected: ${text}`)
    assert.ok(res.body.details.some((d: { field: string }) => d.field === c.field), `details name ${c.field}: ${text}`)
  }
  if (c.code === 'VALIDATION_ERROR') assert.ok(Array.isArray(res.body.details), `a validation error has details: ${text}`)
  assertWordsForPeople(res.body)
  if (c.message !== undefined) {
    assert.equal(res.body.message, c.message, text)
    if (c.field !== undefined) assert.equal(res.body.details.find((d: { field: string }) => d.field === c.field).message, c.message, text)
  }
  assert.doesNotMatch(text, /\bat \S+ \(|\.ts:\d+|node_modules|\bstack\b/i, 'no stack trace')
}

async function send (c: Case, defaults: { method: string, path: string | (() => string), as: Who }) {
  const path = c.path ?? defaults.path
  const body = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body
  const headers = { ...(typeof body === 'string' && { 'content-type': 'application/json' }), ...c.headers }
  return client(c.as ?? defaults.as).request(c.method ?? defaults.method, typeof path === 'function' ? path() : path, body, headers)
}

/** One test per case: the expected error, and the row counts of every table unchanged. */
function rejects (defaults: { method: string, path: string | (() => string), as: Who }, cases: Case[]) {
  for (const c of cases) {
    test(c.name, async () => {
      const rowsBefore = await counts()
      const res = await send(c, defaults)
      checkError(res, c)
      assert.deepEqual(await counts(), rowsBefore, 'no row written')
    })
  }
}

/** Cases every JSON-body endpoint shares: the body itself is wrong. */
const bodyShapeCases = (big: Record<string, unknown>): Case[] => [
  { name: 'no body', body: undefined, status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  { name: 'malformed JSON', body: '{"name": "x",', status: 400, code: 'MALFORMED_JSON' },
  { name: 'an empty body declared as JSON', body: '', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a JSON array', body: '[]', status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  { name: 'JSON null', body: 'null', status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  { name: 'a JSON string', body: '"hello"', status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  { name: 'a JSON number', body: '42', status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  { name: 'a __proto__ key (prototype poisoning)', body: '{"__proto__": {"role": "owner"}}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a text/plain body', body: 'name=x', headers: { 'content-type': 'text/plain' }, status: 400, code: 'VALIDATION_ERROR', field: 'body' },
  // docs/http.md's status table has no 415: a body we cannot read is a 400.
  { name: 'a form-encoded body', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 400, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a 1 MB string', body: big, status: 413, code: 'PAYLOAD_TOO_LARGE' }
]

const register = (over: Record<string, unknown> = {}) =>
  ({ name: 'Nina', email: `nina-${randomUUID()}@example.com`, password: 'long enough words', role: 'traveler', ...over })
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key))

describe('POST /api/auth/register', () => {
  const defaults = { method: 'POST', path: '/api/auth/register', as: 'anonymous' as Who }
  rejects(defaults, [
    ...bodyShapeCases(register({ password: MB })),
    { name: 'name is a number', body: register({ name: 5 }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    { name: 'email is a number', body: register({ email: 5 }), status: 400, code: 'VALIDATION_ERROR', field: 'email' },
    { name: 'password is a number', body: register({ password: 12345678 }), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'role is a boolean', body: register({ role: true }), status: 400, code: 'VALIDATION_ERROR', field: 'role' },
    { name: 'name is null', body: register({ name: null }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    ...['name', 'email', 'password', 'role'].map(f => (
      { name: `${f} is missing`, body: () => without(register(), f), status: 400, code: 'VALIDATION_ERROR', field: f })),
    { name: 'an unknown field', body: register({ is_admin: true }), status: 400, code: 'VALIDATION_ERROR', field: 'is_admin' },
    { name: 'an unknown field id', body: register({ id: 1 }), status: 400, code: 'VALIDATION_ERROR', field: 'id' },
    { name: 'an empty name', body: register({ name: '' }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    { name: 'a blank name', body: register({ name: '   ' }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    { name: 'a 7-character password', body: register({ password: '1234567' }), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'an e-mail without @', body: register({ email: 'nina.example.com' }), status: 400, code: 'VALIDATION_ERROR', field: 'email' },
    { name: 'a role that does not exist', body: register({ role: 'admin' }), status: 400, code: 'VALIDATION_ERROR', field: 'role' },
    { name: 'a role in the wrong case', body: register({ role: 'Owner' }), status: 400, code: 'VALIDATION_ERROR', field: 'role' },
    { name: 'a 300-character name', body: register({ name: 'n'.repeat(300) }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    // PostgreSQL text cannot hold U+0000; it must be refused as bad input, not fail in the database.
    { name: 'a NUL character in the name', body: register({ name: 'Ni\u0000na' }), status: 400, code: 'VALIDATION_ERROR', field: 'name' }
  ])
})

describe('POST /api/auth/login', () => {
  const defaults = { method: 'POST', path: '/api/auth/login', as: 'anonymous' as Who }
  const login = (over: Record<string, unknown> = {}) => ({ email: travelerA.user!.email, password: 'correct horse', ...over })
  rejects(defaults, [
    ...bodyShapeCases({ email: 'someone@example.com', password: MB }),
    { name: 'email is a number', body: () => login({ email: 5 }), status: 400, code: 'VALIDATION_ERROR', field: 'email' },
    { name: 'password is a number', body: () => login({ password: 12345678 }), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'password is an array', body: () => login({ password: ['correct horse'] }), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'email is missing', body: () => without(login(), 'email'), status: 400, code: 'VALIDATION_ERROR', field: 'email' },
    { name: 'password is missing', body: () => without(login(), 'password'), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'an unknown field', body: () => login({ remember_me: true }), status: 400, code: 'VALIDATION_ERROR', field: 'remember_me' },
    { name: 'an empty password', body: () => login({ password: '' }), status: 400, code: 'VALIDATION_ERROR', field: 'password' },
    { name: 'an e-mail that is not one', body: () => login({ email: 'nobody' }), status: 400, code: 'VALIDATION_ERROR', field: 'email' },
    { name: 'a NUL character in the e-mail', body: () => login({ email: 'a\u0000b@example.com' }), status: 400, code: 'VALIDATION_ERROR', field: 'email' }
  ])
})

describe('POST /api/properties', () => {
  const defaults = { method: 'POST', path: '/api/properties', as: 'ownerA' as Who }
  const fields = Object.keys(propertyInput())
  rejects(defaults, [
    ...bodyShapeCases(propertyInput({ description: MB })),
    { name: 'price_per_night is the string "120"', body: propertyInput({ price_per_night: '120' }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'max_guests is the string "2"', body: propertyInput({ max_guests: '2' }), status: 400, code: 'VALIDATION_ERROR', field: 'max_guests' },
    { name: 'bedrooms is a boolean', body: propertyInput({ bedrooms: true }), status: 400, code: 'VALIDATION_ERROR', field: 'bedrooms' },
    { name: 'name is a number', body: propertyInput({ name: 5 }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    { name: 'city is null', body: propertyInput({ city: null }), status: 400, code: 'VALIDATION_ERROR', field: 'city' },
    { name: 'amenities is a string', body: propertyInput({ amenities: 'wifi' }), status: 400, code: 'VALIDATION_ERROR', field: 'amenities' },
    { name: 'amenities holds a number', body: propertyInput({ amenities: ['wifi', 1] }), status: 400, code: 'VALIDATION_ERROR', field: 'amenities.1' },
    ...fields.map(f => ({ name: `${f} is missing`, body: without(propertyInput(), f), status: 400, code: 'VALIDATION_ERROR', field: f })),
    { name: 'an unknown field', body: propertyInput({ pool: true }), status: 400, code: 'VALIDATION_ERROR', field: 'pool' },
    { name: 'owner_id in the body', body: propertyInput({ owner_id: 1 }), status: 400, code: 'VALIDATION_ERROR', field: 'owner_id' },
    { name: 'price_per_night 0', body: propertyInput({ price_per_night: 0 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'price_per_night negative', body: propertyInput({ price_per_night: -10 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'price_per_night with three decimals', body: propertyInput({ price_per_night: 10.005 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    // Each of these once rounded to 0.00 in numeric(10, 2) and broke the CHECK (> 0): a 500.
    ...[1e-12, 0.001, 0.005, 0.009].map(price => ({ name: `price_per_night ${price}`, body: propertyInput({ price_per_night: price }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' })),
    { name: 'price_per_night 0.1 + 0.2 (0.30000000000000004)', body: propertyInput({ price_per_night: 0.1 + 0.2 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'price_per_night 1000000.01, over the bound', body: propertyInput({ price_per_night: 1_000_000.01 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'price_per_night 1e30', body: propertyInput({ price_per_night: 1e30 }), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'max_guests 0', body: propertyInput({ max_guests: 0 }), status: 400, code: 'VALIDATION_ERROR', field: 'max_guests' },
    { name: 'max_guests negative', body: propertyInput({ max_guests: -1 }), status: 400, code: 'VALIDATION_ERROR', field: 'max_guests' },
    { name: 'max_guests 1.5', body: propertyInput({ max_guests: 1.5 }), status: 400, code: 'VALIDATION_ERROR', field: 'max_guests' },
    { name: 'bedrooms negative', body: propertyInput({ bedrooms: -1 }), status: 400, code: 'VALIDATION_ERROR', field: 'bedrooms' },
    { name: 'bathrooms negative', body: propertyInput({ bathrooms: -2 }), status: 400, code: 'VALIDATION_ERROR', field: 'bathrooms' },
    ...['bedrooms', 'bathrooms', 'max_guests'].map(f => ({ name: `${f} 2147483648, past the integer column`, body: propertyInput({ [f]: 2147483648 }), status: 400, code: 'VALIDATION_ERROR', field: f })),
    { name: 'bedrooms 1e30', body: propertyInput({ bedrooms: 1e30 }), status: 400, code: 'VALIDATION_ERROR', field: 'bedrooms' },
    { name: 'an empty name', body: propertyInput({ name: '' }), status: 400, code: 'VALIDATION_ERROR', field: 'name' },
    ...['name', 'city', 'state', 'country', 'property_type'].map(f =>
      ({ name: `a blank ${f}`, body: propertyInput({ [f]: '   ' }), status: 400, code: 'VALIDATION_ERROR', field: f })),
    { name: 'a blank amenity', body: propertyInput({ amenities: ['wifi', ' '] }), status: 400, code: 'VALIDATION_ERROR', field: 'amenities.1' },
    { name: 'a 6000-character description', body: propertyInput({ description: 'd'.repeat(6000) }), status: 400, code: 'VALIDATION_ERROR', field: 'description' },
    { name: 'a NUL character in the city', body: propertyInput({ city: 'Lis\u0000bon' }), status: 400, code: 'VALIDATION_ERROR', field: 'city' },
    { name: 'a NUL character in an amenity', body: propertyInput({ amenities: ['wifi', '\u0000'] }), status: 400, code: 'VALIDATION_ERROR', field: 'amenities.1' },
    { name: 'price_per_night 1e400 (Infinity once parsed)', body: JSON.stringify(propertyInput()).replace('120.5', '1e400'), status: 400, code: 'VALIDATION_ERROR', field: 'price_per_night' },
    { name: 'a traveler lists a property', as: 'travelerA', body: propertyInput(), status: 403, code: 'FORBIDDEN' },
    { name: 'nobody signed in', as: 'anonymous', body: propertyInput(), status: 401, code: 'UNAUTHORIZED' }
  ])
})

describe('POST /api/bookings', () => {
  const defaults = { method: 'POST', path: '/api/bookings', as: 'travelerA' as Who }
  /** A valid request for property, changed by over. */
  const req = (over: Record<string, unknown> = {}) => () => ({ property_id: property.id, start_date: day(60), end_date: day(63), num_guests: 2, ...over })
  const invalid = (name: string, over: Record<string, unknown>, field: string): Case =>
    ({ name, body: req(over), status: 400, code: 'VALIDATION_ERROR', field })
  rejects(defaults, [
    ...bodyShapeCases({ property_id: 1, start_date: MB, end_date: day(63), num_guests: 2 }),
    // Wrong types
    invalid('property_id is the string "1"', { property_id: '1' }, 'property_id'),
    invalid('num_guests is the string "2"', { num_guests: '2' }, 'num_guests'),
    invalid('start_date is a number', { start_date: 20270101 }, 'start_date'),
    invalid('end_date is null', { end_date: null }, 'end_date'),
    invalid('property_id is null', { property_id: null }, 'property_id'),
    // Missing and unknown fields
    ...['property_id', 'start_date', 'end_date', 'num_guests'].map(f => (
      { name: `${f} is missing`, body: () => without(req()(), f), status: 400, code: 'VALIDATION_ERROR', field: f })),
    invalid('an unknown field', { coupon: 'FREE' }, 'coupon'),
    invalid('status in the body', { status: 'accepted' }, 'status'),
    invalid('total_price in the body', { total_price: 1 }, 'total_price'),
    // Numbers
    invalid('num_guests 0', { num_guests: 0 }, 'num_guests'),
    invalid('num_guests negative', { num_guests: -1 }, 'num_guests'),
    invalid('num_guests 1.5', { num_guests: 1.5 }, 'num_guests'),
    invalid('num_guests 2147483648, past the integer column', { num_guests: 2147483648 }, 'num_guests'),
    invalid('num_guests above the property\'s max_guests (4)', { num_guests: 5 }, 'num_guests'),
    invalid('property_id 1.5', { property_id: 1.5 }, 'property_id'),
    invalid('property_id 1e30', { property_id: 1e30 }, 'property_id'),
    { name: 'property_id 1e400 (Infinity once parsed)', body: () => JSON.stringify(req()()).replace(/"property_id":\d+/, '"property_id":1e400'), status: 400, code: 'VALIDATION_ERROR', field: 'property_id' },
    invalid('property_id beyond 64 bits', { property_id: 1e20 } /* beyond 64 bits; as JSON it is written 100000000000000000000 */, 'property_id'),
    invalid('property_id -1', { property_id: -1 }, 'property_id'),
    invalid('property_id 0', { property_id: 0 }, 'property_id'),
    // Dates
    invalid('start_date 2024-02-30', { start_date: '2024-02-30' }, 'start_date'),
    invalid('start_date 2029-02-29 (not a leap year)', { start_date: '2029-02-29', end_date: '2029-03-03' }, 'start_date'),
    invalid('start_date 2027-13-01', { start_date: '2027-13-01' }, 'start_date'),
    invalid('end_date 2027-13-01', { end_date: '2027-13-01' }, 'end_date'),
    invalid('end_date 2027-04-31', { start_date: '2027-04-28', end_date: '2027-04-31' }, 'end_date'),
    invalid('start_date without zero padding', { start_date: '2027-1-5' }, 'start_date'),
    invalid('start_date with a time', { start_date: `${day(60)}T00:00:00Z` }, 'start_date'),
    invalid('start_date in another format', { start_date: '05/01/2027' }, 'start_date'),
    invalid('an empty start_date', { start_date: '' }, 'start_date'),
    invalid('end before start', { start_date: day(63), end_date: day(60) }, 'end_date'),
    invalid('end == start', { start_date: day(60), end_date: day(60) }, 'end_date'),
    invalid('start_date yesterday', { start_date: day(-1), end_date: day(3) }, 'start_date'),
    invalid('both dates in the past', { start_date: '2020-01-01', end_date: '2020-01-05' }, 'start_date'),
    invalid('a stay of 366 nights', { start_date: day(10), end_date: day(376) }, 'end_date'),
    invalid('a stay of 10000 years', { start_date: day(10), end_date: '9999-12-31' }, 'end_date'),
    // Other people's things and things that do not exist
    { name: 'a property that does not exist', body: req({ property_id: 999999 }), status: 404, code: 'NOT_FOUND' },
    { name: 'the largest safe property_id, which does not exist', body: req({ property_id: Number.MAX_SAFE_INTEGER }), status: 404, code: 'NOT_FOUND' },
    { name: 'an owner books', as: 'ownerB', body: req(), status: 403, code: 'FORBIDDEN' },
    { name: 'nobody signed in', as: 'anonymous', body: req(), status: 401, code: 'UNAUTHORIZED' }
  ])

  test('a stay of exactly 365 nights, for max_guests guests, is fine (201) and writes one booking and one outbox row', async () => {
    const rowsBefore = await counts()
    const res = await travelerB.post('/api/bookings', { property_id: property.id, start_date: day(10), end_date: day(375), num_guests: 4 })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.booking.status, 'pending')
    assert.equal(res.body.booking.total_price, 365 * 120.5)
    assert.deepEqual(await counts(), { ...rowsBefore, bookings: rowsBefore.bookings + 1, outbox: rowsBefore.outbox + 1 })
  })

  test('a stay starting today is fine', async () => {
    const res = await travelerB.post('/api/bookings', { property_id: property.id, start_date: day(0), end_date: day(1), num_guests: 1 })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  })
})

const BAD_IDS: Array<[string, number, string]> = [
  ['abc', 400, 'VALIDATION_ERROR'],
  ['1.5', 400, 'VALIDATION_ERROR'],
  ['-1', 400, 'VALIDATION_ERROR'],
  ['0', 400, 'VALIDATION_ERROR'],
  ['1e3', 400, 'VALIDATION_ERROR'],
  ['99999999999999999999', 400, 'VALIDATION_ERROR'], // beyond 64 bits
  ['9223372036854775808', 400, 'VALIDATION_ERROR'], // 2^63: one past bigint
  ['9223372036854775807', 404, 'NOT_FOUND'], // the largest bigint: a valid id, no such booking
  ['999999', 404, 'NOT_FOUND']
]

/** Cases of a path id, on the path pattern given. */
const idCases = (pattern: (id: string) => string, as: Who): Case[] => BAD_IDS.map(([id, status, code]) => ({
  name: `id '${id}'`, as, path: pattern(id), status, code, ...(status === 400 && { field: 'id' })
}))

describe('POST /api/bookings/:id/accept', () => {
  const path = () => `/api/bookings/${booking.id}/accept`
  const defaults = { method: 'POST', path, as: 'ownerA' as Who }
  rejects(defaults, [
    ...idCases(id => `/api/bookings/${id}/accept`, 'ownerA'),
    { name: 'a traveler accepts their own booking', as: 'travelerA', status: 403, code: 'FORBIDDEN' },
    { name: 'another owner accepts the booking', as: 'ownerB', status: 403, code: 'FORBIDDEN' },
    { name: 'nobody signed in', as: 'anonymous', status: 401, code: 'UNAUTHORIZED' },
    { name: 'a malformed JSON body', body: '{', status: 400, code: 'MALFORMED_JSON' },
    { name: 'a body with a field (it takes none)', body: { status: 'accepted' }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'a 1 MB body', body: { note: MB }, status: 413, code: 'PAYLOAD_TOO_LARGE' }
  ])
  test('the booking is still pending', async () => {
    const { rows: [b] } = await stack.db.query('SELECT status FROM bookings WHERE id = $1', [booking.id])
    assert.equal(b.status, 'pending')
  })
})

describe('POST /api/bookings/:id/cancel', () => {
  const path = () => `/api/bookings/${booking.id}/cancel`
  const defaults = { method: 'POST', path, as: 'travelerA' as Who }
  rejects(defaults, [
    ...idCases(id => `/api/bookings/${id}/cancel`, 'travelerA'),
    ...idCases(id => `/api/bookings/${id}/cancel`, 'ownerA').filter(c => c.status === 404).map(c => ({ ...c, name: `${c.name}, as an owner` })),
    { name: 'another traveler cancels the booking', as: 'travelerB', status: 403, code: 'FORBIDDEN' },
    { name: 'another owner cancels the booking', as: 'ownerB', status: 403, code: 'FORBIDDEN' },
    { name: 'nobody signed in', as: 'anonymous', status: 401, code: 'UNAUTHORIZED' },
    { name: 'a malformed JSON body', body: '{', status: 400, code: 'MALFORMED_JSON' },
    { name: 'a body with a field (it takes none)', body: { reason: 'changed plans' }, status: 400, code: 'VALIDATION_ERROR' },
    { name: 'a 1 MB body', body: { reason: MB }, status: 413, code: 'PAYLOAD_TOO_LARGE' }
  ])
  test('the booking is still pending', async () => {
    const { rows: [b] } = await stack.db.query('SELECT status FROM bookings WHERE id = $1', [booking.id])
    assert.equal(b.status, 'pending')
  })
})

describe('GET /api/bookings/:id and GET /api/properties/:id', () => {
  const defaults = { method: 'GET', path: () => `/api/bookings/${booking.id}`, as: 'ownerB' as Who }
  rejects(defaults, [
    ...idCases(id => `/api/bookings/${id}`, 'travelerA'),
    ...idCases(id => `/api/properties/${id}`, 'anonymous').map(c => ({ ...c, name: `property ${c.name}` })),
    { name: 'an owner reads another owner\'s booking', as: 'ownerB', status: 403, code: 'FORBIDDEN' },
    { name: 'a traveler reads another traveler\'s booking', as: 'travelerB', status: 403, code: 'FORBIDDEN' },
    { name: 'nobody signed in', as: 'anonymous', status: 401, code: 'UNAUTHORIZED' }
  ])
})

describe('anything else', () => {
  const defaults = { method: 'GET', path: '/api/nothing-here', as: 'anonymous' as Who }
  rejects(defaults, [
    { name: 'an unknown route gives a JSON 404', status: 404, code: 'NOT_FOUND' },
    { name: 'an unknown route, POST with a body', method: 'POST', path: '/api/nothing/here', body: { a: 1 }, status: 404, code: 'NOT_FOUND' },
    { name: 'a known path with another method', method: 'DELETE', path: '/api/properties', status: 404, code: 'NOT_FOUND' },
    { name: 'search with a limit of "ten"', path: '/api/properties/search?limit=ten', status: 400, code: 'VALIDATION_ERROR', field: 'limit' },
    { name: 'search with an unknown parameter', path: '/api/properties/search?city=Lisbon', status: 400, code: 'VALIDATION_ERROR', field: 'city' },
    { name: 'search with an impossible date', path: '/api/properties/search?start_date=2027-02-30&end_date=2027-03-02', status: 400, code: 'VALIDATION_ERROR', field: 'start_date' },
    { name: 'search for a location with a NUL character', path: '/api/properties/search?location=Lis%00bon', status: 400, code: 'VALIDATION_ERROR', field: 'location' },
    { name: 'owner bookings with an unknown status', as: 'ownerA', path: '/api/owner/bookings?status=maybe', status: 400, code: 'VALIDATION_ERROR', field: 'status' }
  ])
})

describe('the words of a 400: sentences for people, the field by its wire name in details', () => {
  const defaults = { method: 'GET', path: '/api/properties/search', as: 'ownerA' as Who }
  const booking = (over: Record<string, unknown>) => () => ({ property_id: property.id, start_date: day(60), end_date: day(63), num_guests: 2, ...over })
  const search = (query: string) => `/api/properties/search?${query}`
  const bad = (name: string, c: Partial<Case> & { field: string }, message?: string): Case =>
    ({ name, status: 400, code: 'VALIDATION_ERROR', ...c, ...(message !== undefined && { message }) })
  rejects(defaults, [
    // A handful of exact sentences, made by hand in the services and from schema validation
    bad('end before start', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ start_date: day(63), end_date: day(60) }), field: 'end_date' },
      'The check-out date must be after the check-in date.'),
    bad('0 guests', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ num_guests: 0 }), field: 'num_guests' },
      'The number of guests must be at least 1.'),
    bad('more guests than the place holds', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ num_guests: 5 }), field: 'num_guests' },
      'This place holds at most 4 guests.'),
    bad('no check-in date', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: () => without(booking({})(), 'start_date'), field: 'start_date' },
      'The check-in date is required.'),
    bad('a field the endpoint does not know', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ coupon_code: 'FREE' }), field: 'coupon_code' },
      'This request has a field it does not take.'),
    bad('two fields the endpoint does not know: said once', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ coupon_code: 'FREE', is_paid: true }), field: 'is_paid' },
      'This request has a field it does not take.'),
    bad('a price with three decimals', { method: 'POST', path: '/api/properties', body: propertyInput({ price_per_night: 10.005 }), field: 'price_per_night' },
      'The price per night must have at most 2 decimal places.'),
    bad('a blank amenity', { method: 'POST', path: '/api/properties', body: propertyInput({ amenities: ['wifi', ' '] }), field: 'amenities.1' },
      'Amenity 2 must not be blank.'),
    bad('a currency that does not exist', { method: 'POST', path: '/api/properties', body: propertyInput({ currency: 'XYZ' }), field: 'currency' },
      '“XYZ” is not a currency we know; use an ISO 4217 code such as EUR or USD.'),
    bad('a time zone that does not exist', { method: 'PATCH', path: '/api/me', body: { time_zone: 'Mars/Olympus' }, field: 'time_zone' },
      'This time zone does not exist: “Mars/Olympus”; use a name such as Europe/Lisbon, America/New_York or UTC.'),
    bad('a role that is neither', { method: 'POST', path: '/api/auth/register', as: 'anonymous', body: register({ role: 'admin' }), field: 'role' },
      'The role must be “traveler”, “owner” or “both”.'),
    bad('a sort order that does not exist', { path: search('sort=cheapest'), field: 'sort' },
      'The sort order must be “relevance”, “price_asc”, “price_desc”, “newest” or “rating”.'),
    bad('a lowest price above the highest', { path: search('min_price=200&max_price=100'), field: 'min_price' },
      'The lowest price must not be more than the highest price.'),
    bad('an unknown query parameter', { path: search('max_guests=2'), field: 'max_guests' },
      'This request has a query parameter it does not take.'),
    bad('a page size of "ten"', { path: search('limit=ten'), field: 'limit' },
      'The number of results per page must be a whole number.'),
    bad('analytics from after to', { path: `/api/owner/analytics?from=${day(-1)}&to=${day(-10)}`, field: 'from' },
      'The first day must not be after the last day.'),
    bad('a body where none is taken', { method: 'POST', path: '/api/notifications/read-all', body: { all: true }, field: 'body' },
      'This request takes no body: send none, or an empty JSON object.'),
    bad('a body that is a list', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: '[]', field: 'body' },
      'The request body must be a JSON object.'),
    // Every other kind of bad input the API has, the words checked by checkError
    bad('an account change that changes nothing', { method: 'PATCH', path: '/api/me', body: {}, field: 'body' }),
    bad('a locale that does not exist', { method: 'PATCH', path: '/api/me', body: { locale: 'xx-YY' }, field: 'locale' }),
    bad('a time zone that is an offset', { method: 'PATCH', path: '/api/me', body: { time_zone: '+01:00' }, field: 'time_zone' }),
    bad('a time zone given as a number', { method: 'PATCH', path: '/api/me', body: { time_zone: 1 }, field: 'time_zone' }),
    bad('a time zone at sign-up that does not exist', { method: 'POST', path: '/api/auth/register', as: 'anonymous', body: register({ time_zone: 'Mars/Olympus_Mons' }), field: 'time_zone' }),
    bad('a password too easy to guess', { method: 'POST', path: '/api/auth/register', as: 'anonymous', body: register({ password: 'password1' }), field: 'password' }),
    bad('an e-mail setting that is not true or false', { method: 'PATCH', path: '/api/me/preferences', body: { email_notifications: 'no' }, field: 'email_notifications' }),
    bad('an empty preferences change', { method: 'PATCH', path: '/api/me/preferences', body: {}, field: 'body' }),
    bad('an unknown preference', { method: 'PATCH', path: '/api/me/preferences', body: { sms_notifications: true }, field: 'sms_notifications' }),
    bad('a search with one date', { path: search(`start_date=${day(5)}`), field: 'end_date' }),
    bad('a search of only punctuation', { path: search('location=%21%3F%2C'), field: 'location' }),
    bad('a search of 10,000 characters', { path: search(`location=${'a'.repeat(10_000)}`), field: 'location' }),
    bad('a search with a negative price', { path: search('min_price=-1'), field: 'min_price' }),
    bad('a search for 0 guests', { path: search('guests=0'), field: 'guests' }),
    bad('a search with a start past the million', { path: search('offset=2000000'), field: 'offset' }),
    bad('analytics over more than 366 days', { path: `/api/owner/analytics?from=${day(-400)}&to=${day(-1)}`, field: 'from' }),
    bad('analytics with a date in words', { path: '/api/owner/analytics?from=yesterday', field: 'from' }),
    bad('a list cursor made by hand', { path: '/api/owner/properties?cursor=nonsense', field: 'cursor', code: 'INVALID_CURSOR' }),
    bad('notifications, unread neither true nor false', { path: '/api/notifications?unread=maybe', field: 'unread' }),
    bad('a notification id of letters', { method: 'POST', path: '/api/notifications/abc/read', field: 'id' }),
    bad('a stay too far ahead', { method: 'POST', path: '/api/bookings', as: 'travelerA', body: booking({ start_date: day(4000), end_date: day(4003) }), field: 'start_date' }),
    bad('a property type that is blank', { method: 'POST', path: '/api/properties', body: propertyInput({ property_type: ' ' }), field: 'property_type' }),
    bad('too many amenities', { method: 'POST', path: '/api/properties', body: propertyInput({ amenities: Array.from({ length: 51 }, (_, i) => `a${i}`) }), field: 'amenities' }),
    { name: 'a forged unsubscribe link', method: 'POST', path: '/api/unsubscribe?token=forged', as: 'anonymous', body: {}, status: 400, code: 'INVALID_UNSUBSCRIBE_TOKEN' }
  ])
})

describe('dates PostgreSQL cannot store', () => {
  // Every date field of every operation, found in the OpenAPI document, so that a new route's dates are covered too.
  interface Param { name: string, in: string, schema?: { format?: string } }
  interface Op { parameters?: Param[], requestBody?: { content: Record<string, { schema: { properties?: Record<string, { format?: string }> } }> } }
  const signedIn: Record<string, Who> = { '/api/owner/analytics': 'ownerA', '/api/bookings': 'travelerA', '/api/properties/{id}/blocks': 'ownerA' }

  test('a year 0000 date in any body or query field is 400 naming the field, never 500', async () => {
    const doc = await (await fetch(`${stack.url}/docs/json`)).json() as { paths: Record<string, Record<string, Op>> }
    const ops: Array<{ method: string, path: string, where: 'query' | 'body', fields: string[] }> = []
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const query = (op.parameters ?? []).filter(p => p.in === 'query' && p.schema?.format === 'date').map(p => p.name)
        const body = Object.entries(op.requestBody?.content['application/json']?.schema.properties ?? {}).filter(([, s]) => s.format === 'date').map(([name]) => name)
        if (query.length > 0) ops.push({ method: method.toUpperCase(), path, where: 'query', fields: query })
        if (body.length > 0) ops.push({ method: method.toUpperCase(), path, where: 'body', fields: body })
      }
    }
    assert.deepEqual(ops.map(o => `${o.path} ${o.fields}`).sort(),
      ['/api/bookings start_date,end_date', '/api/owner/analytics from,to', '/api/properties/search start_date,end_date',
        '/api/properties/{id}/blocks start_date,end_date', '/api/properties/{id}/quote start_date,end_date'].sort())
    // Each field in turn at year 0, the others at dates the operation takes.
    const fine: Record<string, string> = { start_date: day(5), end_date: day(8), from: day(-10), to: day(-1) }
    for (const { method, path, where, fields } of ops) {
      for (const field of fields) {
        const dates = Object.fromEntries(fields.map(f => [f, f === field ? '0000-01-01' : fine[f]]))
        const at = path.replace('{id}', String(property.id))
        const res = await client(signedIn[path] ?? 'anonymous').request(method, where === 'query' ? `${at}?${new URLSearchParams(dates)}` : at,
          where === 'body' ? { property_id: property.id, num_guests: 1, ...dates } : undefined)
        checkError(res, { status: 400, code: 'VALIDATION_ERROR', field })
      }
    }
  })

  test('owner analytics of year 0 is 400, and a range whose default start would fall before year 1 starts on 0001-01-01', async () => {
    checkError(await ownerA.get('/api/owner/analytics?from=0000-01-01&to=0000-01-02'), { status: 400, code: 'VALIDATION_ERROR', field: 'from' })
    const res = await ownerA.get('/api/owner/analytics?to=0001-01-05')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.from, '0001-01-01')
    assert.equal(res.body.by_day.length, 5)
  })
})
