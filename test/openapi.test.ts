import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { FIELD_LABELS } from '../src/field-labels.ts'
import { createLogger } from '../src/log.ts'
import { AccountLinks } from '../src/account/tokens.ts'
import { UnsubscribeTokens } from '../src/notifications/unsubscribe.ts'
import { startPieces, type Running } from '../src/services.ts'
import { book, Client, listProperty, propertyInput, signUp, type Reply } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { jpegWithGps, pngBomb, webpOf } from './helpers/images.ts'
import { assertWordsForPeople } from './helpers/words.ts'

// The OpenAPI document at /docs/json: valid for a standard validator, and true. Every operation is driven on
// the real stack into each status it documents (500 aside), every response body is checked against the
// document's schema for its status, and a status the document does not list fails the test.

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => Ajv2020

interface Operation { operationId: string, summary?: string, security?: unknown[], parameters?: Array<{ name: string, in: string, required?: boolean }>, responses: Record<string, { content?: Record<string, { schema: object }> }> }
interface Doc { openapi: string, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, unknown> } }

let stack: Stack
const UNSUBSCRIBE_KEY = 'the unsubscribe key of the openapi test, 32 characters'
let doc: Doc
const ops = new Map<string, { method: string, path: string, op: Operation, validators: Map<string, ValidateFunction> }>()
const observed = new Map<string, Set<string>>()

before(async () => {
  stack = await startStack({ kafka: false, env: { UNSUBSCRIBE_KEY, PHOTOS_PER_PROPERTY: '2', PHOTO_MAX_BYTES: '1048576', MESSAGE_RATE_PER_MINUTE: '6' } })
  doc = await (await fetch(`${stack.url}/docs/json`)).json() as Doc
  const deref = await SwaggerParser.dereference(structuredClone(doc) as never) as unknown as Doc
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }), ['date-time', 'date', 'email'])
  for (const [path, methods] of Object.entries(deref.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const validators = new Map<string, ValidateFunction>()
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema
        if (schema) validators.set(status, ajv.compile(schema))
      }
      ops.set(op.operationId, { method: method.toUpperCase(), path, op, validators })
      observed.set(op.operationId, new Set())
    }
  }
})
after(async () => { await stack?.stop() })

interface Call { params?: Record<string, string | number>, query?: string, body?: unknown, headers?: Record<string, string> }

/** Calls an operation by its operationId and checks the reply against the document: a documented status, a body its schema accepts. */
async function call (client: Client, operationId: string, c: Call = {}): Promise<Reply> {
  const o = ops.get(operationId)
  assert.ok(o, `${operationId} is in the document`)
  const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => String(c.params?.[name]))
  const res = await client.request(o.method, path + (c.query ? `?${c.query}` : ''), c.body, c.headers)
  const status = String(res.status)
  observed.get(operationId)!.add(status)
  assert.ok(o.op.responses[status], `${operationId} answered ${status}, which the document does not list (body: ${JSON.stringify(res.body)})`)
  const validate = o.validators.get(status)
  if (validate) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.ok(validate(res.body), `${operationId} ${status}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(res.body)}`)
    if (res.status >= 400 && res.status < 500) assertWordsForPeople(res.body)
  } else {
    assert.equal(res.body, undefined, `${operationId} ${status} documents no body`)
  }
  return res
}

const expect = async (status: number, client: Client, operationId: string, c: Call = {}) => {
  const res = await call(client, operationId, c)
  assert.equal(res.status, status, `${operationId}: ${JSON.stringify(res.body)}`)
  return res
}

const anonymous = () => new Client(stack.url)
const huge = { blob: 'x'.repeat(70 * 1024) }
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1.0 and valid for @apidevtools/swagger-parser', async () => {
    assert.equal(doc.openapi, '3.1.0')
    await SwaggerParser.validate(structuredClone(doc) as never)
  })

  test('every operation has a unique operationId and a summary; the session scheme is used; optional query fields are not required', () => {
    const ids = [...ops.keys()]
    assert.equal(ids.length, 61)
    assert.ok(ids.every(id => /^[a-z][A-Za-z]+$/.test(id)), ids.join())
    for (const { op } of ops.values()) {
      assert.ok(op.summary && op.summary.length > 5, `${op.operationId} has a summary`)
      for (const p of op.parameters ?? []) {
        if (p.in === 'query') assert.notEqual(p.required, true, `${op.operationId}: ${p.name} is optional`)
      }
    }
    assert.ok(doc.components.securitySchemes.session)
    assert.ok([...ops.values()].some(({ op }) => op.security?.length), 'the cookie scheme is used')
    const price = (doc.paths['/api/properties'].post as unknown as { requestBody: { content: Record<string, { schema: { properties: Record<string, object> } }> } })
      .requestBody.content['application/json'].schema.properties.price_per_night
    assert.deepEqual({ ...price, description: undefined }, { type: 'number', minimum: 0.01, maximum: 1_000_000, 'x-decimals': 2, description: undefined })
  })
})

describe('the words of errors', () => {
  test('every field a request can carry (body, query, path) has words for people in src/field-labels.ts', () => {
    interface Op { parameters?: Array<{ name: string }>, requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }
    const fields = new Set<string>()
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods) as Op[]) {
        for (const p of op.parameters ?? []) fields.add(p.name)
        for (const content of Object.values(op.requestBody?.content ?? {})) Object.keys(content.schema.properties ?? {}).forEach(f => fields.add(f))
      }
    }
    assert.ok(fields.has('num_guests') && fields.has('cursor') && fields.has('id'), [...fields].join())
    assert.deepEqual([...fields].filter(f => !FIELD_LABELS[f]), [], 'fields without a label')
  })
})

describe('real responses, checked against the document', () => {
  let owner: Client, otherOwner: Client, traveler: Client, otherTraveler: Client
  let property: { id: number }
  before(async () => {
    owner = await signUp(stack.url, 'owner')
    otherOwner = await signUp(stack.url, 'owner')
    traveler = await signUp(stack.url, 'traveler')
    otherTraveler = await signUp(stack.url, 'traveler')
    property = await listProperty(owner)
  })

  test('anonymous callers get 401 from exactly the operations that declare session security', async () => {
    const calls: Record<string, Call> = {
      register: { body: {} },
      login: { body: {} },
      getProperty: { params: { id: property.id } },
      getTakenDates: { params: { id: property.id } },
      getCalendar: { params: { id: property.id } },
      getQuote: { params: { id: property.id }, query: `start_date=${day(80)}&end_date=${day(83)}` },
      getBooking: { params: { id: 1 } },
      acceptBooking: { params: { id: 1 } },
      cancelBooking: { params: { id: 1 } },
      markNotificationRead: { params: { id: 1 } },
      listMessages: { params: { id: 1 } },
      sendMessage: { params: { id: 1 } },
      askHost: { params: { id: 1 } },
      sendBookingMessage: { params: { id: 1 } },
      markThreadRead: { params: { id: 1 } },
      getStayReviews: { params: { id: 1 } },
      writeReview: { params: { id: 1 } },
      listPropertyReviews: { params: { id: property.id } },
      replyToReview: { params: { id: 1 } },
      addFavorite: { params: { id: 1 } },
      removeFavorite: { params: { id: 1 } }
    }
    for (const [id, { op }] of ops) {
      const res = await call(anonymous(), id, calls[id])
      assert.equal(res.status === 401, Boolean(op.security?.length), `${id}: ${res.status}`)
    }
  })

  test('auth: register, login, logout, me in each documented status', async () => {
    const email = `doc-${randomUUID()}@example.com`
    const account = { name: 'Dora Doc', email, password: 'correct horse', role: 'traveler' }
    const me = anonymous()
    await expect(201, me, 'register', { body: account })
    await expect(400, anonymous(), 'register', { body: { ...account, email: 'not an address' } })
    await expect(409, anonymous(), 'register', { body: account })
    await expect(413, anonymous(), 'register', { body: { ...account, ...huge } })
    await expect(200, me, 'getCurrentUser')
    await expect(400, me, 'logout', { body: { please: true } })
    await expect(413, me, 'logout', { body: huge })
    await expect(204, me, 'logout')
    assert.equal((await expect(200, me, 'getCurrentUser')).body.user, null, 'signed out is an answer, not an error')
    await expect(200, me, 'login', { body: { email, password: account.password } })
    await expect(400, me, 'logoutEverywhere', { body: { please: true } })
    await expect(413, me, 'logoutEverywhere', { body: huge })
    await expect(204, me, 'logoutEverywhere')
    assert.equal((await expect(200, me, 'getCurrentUser')).body.user, null)
    await expect(200, me, 'login', { body: { email, password: account.password } })
    await expect(400, anonymous(), 'login', { body: { email } })
    await expect(413, anonymous(), 'login', { body: { email, password: 'x', ...huge } })
    for (let i = 0; i < 10; i++) await expect(401, anonymous(), 'login', { body: { email, password: 'wrong horse' } })
    await expect(429, anonymous(), 'login', { body: { email, password: 'wrong horse' } })

    // The account's locale and time zone: given at sign-up, changed later, a value that names nothing is a 400.
    const reader = anonymous()
    const made = await expect(201, reader, 'register', { body: { ...account, email: `doc-${randomUUID()}@example.com`, locale: 'pt-pt', time_zone: 'America/New_York' } })
    assert.deepEqual([made.body.user.locale, made.body.user.time_zone], ['pt-PT', 'America/New_York'])
    await expect(400, anonymous(), 'register', { body: { ...account, email: `doc-${randomUUID()}@example.com`, locale: 'xx-YY' } })
    await expect(400, anonymous(), 'register', { body: { ...account, email: `doc-${randomUUID()}@example.com`, time_zone: 'Mars/Olympus_Mons' } })
    const changed = await expect(200, reader, 'updateAccount', { body: { locale: 'fr-CA', time_zone: 'Europe/Lisbon' } })
    assert.deepEqual([changed.body.user.locale, changed.body.user.time_zone], ['fr-CA', 'Europe/Lisbon'])
    assert.equal((await expect(200, reader, 'getCurrentUser')).body.user.time_zone, 'Europe/Lisbon')
    await expect(400, reader, 'updateAccount', { body: { time_zone: '+01:00' } })
    await expect(400, reader, 'updateAccount', { body: {} })
    assert.equal((await expect(200, reader, 'updateAccount', { body: { role: 'both' } })).body.user.role, 'both')
    assert.equal((await expect(200, reader, 'updateAccount', { body: { about: 'Hi.', city: 'Porto', languages: ['pt'] } })).body.user.city, 'Porto')
    await expect(400, reader, 'updateAccount', { body: { languages: ['zz'] } })
    await expect(400, reader, 'updateAccount', { body: { role: 'traveler' } })
    await expect(413, reader, 'updateAccount', { body: { name: huge.blob } })
  })

  test('properties: create, search, read, the owner\'s list in each documented status', async () => {
    await expect(201, owner, 'createProperty', { body: propertyInput({ price_per_night: 1.11 }) })
    assert.equal((await expect(201, owner, 'createProperty', { body: { ...propertyInput(), currency: 'USD' } })).body.property.currency, 'USD')
    await expect(400, owner, 'createProperty', { body: { ...propertyInput(), currency: 'XYZ' } })
    await expect(400, owner, 'createProperty', { body: { ...propertyInput(), currency: 'euro' } })
    await expect(400, owner, 'createProperty', { body: propertyInput({ price_per_night: 1e-12 }) })
    await expect(403, traveler, 'createProperty', { body: propertyInput() })
    await expect(413, owner, 'createProperty', { body: propertyInput({ description: huge.blob }) })
    await expect(200, anonymous(), 'searchProperties', { query: `location=Lisbon&start_date=${day(5)}&end_date=${day(8)}` })
    await expect(400, anonymous(), 'searchProperties', { query: 'limit=0' })
    await expect(200, anonymous(), 'getProperty', { params: { id: property.id } })
    await expect(400, anonymous(), 'getProperty', { params: { id: 'abc' } })
    await expect(404, anonymous(), 'getProperty', { params: { id: '9223372036854775807' } })
    await expect(200, anonymous(), 'getTakenDates', { params: { id: property.id } })
    await expect(400, anonymous(), 'getTakenDates', { params: { id: 'abc' } })
    await expect(404, anonymous(), 'getTakenDates', { params: { id: '9223372036854775807' } })
    const first = await expect(200, owner, 'listOwnerProperties', { query: 'limit=1' })
    await expect(200, owner, 'listOwnerProperties', { query: `cursor=${first.body.next_cursor}` })
    await expect(400, owner, 'listOwnerProperties', { query: 'cursor=nonsense' })
    await expect(403, traveler, 'listOwnerProperties')
  })

  test('listings: edit, unlist and relist in each documented status', async () => {
    const mine = await listProperty(owner)
    await expect(200, owner, 'updateProperty', { params: { id: mine.id }, body: { name: 'Renamed', min_nights: 2, house_rules: 'No smoking.' } })
    await expect(200, owner, 'updateProperty', { params: { id: mine.id }, body: { listed: false } })
    await expect(409, traveler, 'createBooking', { body: { property_id: mine.id, start_date: day(40), end_date: day(43), num_guests: 2 } })
    await expect(200, owner, 'updateProperty', { params: { id: mine.id }, body: { listed: true } })
    await expect(400, owner, 'updateProperty', { params: { id: mine.id }, body: {} })
    await expect(400, owner, 'updateProperty', { params: { id: mine.id }, body: { check_in_time: '24:00' } })
    await expect(403, otherOwner, 'updateProperty', { params: { id: mine.id }, body: { name: 'Taken over' } })
    await expect(404, owner, 'updateProperty', { params: { id: 9_000_000 }, body: { name: 'Nowhere' } })
    await expect(413, owner, 'updateProperty', { params: { id: mine.id }, body: { description: huge.blob } })
  })

  test('blocked dates: block, list, unblock in each documented status', async () => {
    const mine = await listProperty(owner)
    const pending = await book(traveler, mine.id, 64, 2, 1)
    const made = await expect(201, owner, 'blockDates', { params: { id: mine.id }, body: { start_date: day(60), end_date: day(66), note: 'Roof repairs' } })
    assert.deepEqual(made.body.cancelled_bookings, [pending.id])
    await expect(409, traveler, 'createBooking', { body: { property_id: mine.id, start_date: day(61), end_date: day(63), num_guests: 1 } })
    await expect(409, owner, 'blockDates', { params: { id: mine.id }, body: { start_date: day(65), end_date: day(67) } })
    await expect(400, owner, 'blockDates', { params: { id: mine.id }, body: { start_date: day(67), end_date: day(65) } })
    await expect(403, otherOwner, 'blockDates', { params: { id: mine.id }, body: { start_date: day(70), end_date: day(71) } })
    await expect(404, owner, 'blockDates', { params: { id: 9_000_000 }, body: { start_date: day(70), end_date: day(71) } })
    await expect(413, owner, 'blockDates', { params: { id: mine.id }, body: { start_date: day(70), end_date: day(71), note: huge.blob } })
    assert.equal((await expect(200, owner, 'listBlocks', { params: { id: mine.id } })).body.blocks.length, 1)
    await expect(400, owner, 'listBlocks', { params: { id: 'abc' } })
    await expect(403, otherOwner, 'listBlocks', { params: { id: mine.id } })
    await expect(404, owner, 'listBlocks', { params: { id: 9_000_000 } })
    const blockId = made.body.block.id
    await expect(400, owner, 'unblockDates', { params: { id: mine.id, block_id: 'abc' } })
    await expect(413, owner, 'unblockDates', { params: { id: mine.id, block_id: blockId }, body: huge })
    await expect(403, otherOwner, 'unblockDates', { params: { id: mine.id, block_id: blockId } })
    await expect(204, owner, 'unblockDates', { params: { id: mine.id, block_id: blockId } })
    await expect(404, owner, 'unblockDates', { params: { id: mine.id, block_id: blockId } })
    await expect(200, anonymous(), 'getCalendar', { params: { id: mine.id }, query: 'months=3' })
    await expect(400, anonymous(), 'getCalendar', { params: { id: mine.id }, query: 'month=2027-00' })
    await expect(404, anonymous(), 'getCalendar', { params: { id: 9_000_000 } })
    await expect(200, anonymous(), 'getQuote', { params: { id: mine.id }, query: `start_date=${day(80)}&end_date=${day(83)}` })
    await expect(400, anonymous(), 'getQuote', { params: { id: mine.id }, query: `start_date=${day(83)}&end_date=${day(80)}` })
    await expect(404, anonymous(), 'getQuote', { params: { id: 9_000_000 }, query: `start_date=${day(80)}&end_date=${day(83)}` })
  })

  test('favorites: add, remove, list in each documented status', async () => {
    const id = property.id
    await expect(204, traveler, 'addFavorite', { params: { id } })
    await expect(204, traveler, 'addFavorite', { params: { id } })
    await expect(400, traveler, 'addFavorite', { params: { id: 'abc' } })
    await expect(400, traveler, 'addFavorite', { params: { id }, body: { please: true } })
    await expect(404, traveler, 'addFavorite', { params: { id: '9223372036854775807' } })
    await expect(401, anonymous(), 'addFavorite', { params: { id } })
    await expect(403, traveler, 'addFavorite', { params: { id }, headers: { Origin: 'https://evil.example' } })
    assert.equal((await expect(200, traveler, 'getProperty', { params: { id } })).body.property.favorite, true)
    const page = await expect(200, traveler, 'listFavorites', { query: 'limit=1' })
    assert.deepEqual(page.body.properties.map((p: { id: number }) => p.id), [id])
    await expect(400, traveler, 'listFavorites', { query: 'cursor=nonsense' })
    await expect(401, anonymous(), 'listFavorites')
    await expect(204, traveler, 'removeFavorite', { params: { id } })
    await expect(204, traveler, 'removeFavorite', { params: { id } })
    await expect(400, traveler, 'removeFavorite', { params: { id: '0' } })
    await expect(404, traveler, 'removeFavorite', { params: { id: '9223372036854775807' } })
    await expect(401, anonymous(), 'removeFavorite', { params: { id } })
  })

  test('passwords and e-mail addresses: change, reset, change of address in each documented status', async () => {
    const links = new AccountLinks(UNSUBSCRIBE_KEY)
    /** The token the e-mail service would put in the newest link for this user (the test holds the key). */
    const tokenOf = async (userId: number) => {
      const { rows: [t] } = await stack.db.query('SELECT id, nonce FROM account_tokens WHERE user_id = $1 ORDER BY id DESC LIMIT 1', [userId])
      return links.token(t.id, t.nonce)
    }
    const strong = 'lantern orchard quietly'
    const me = await signUp(stack.url, 'traveler', 'Pia Password')
    await expect(204, me, 'changePassword', { body: { current_password: 'correct horse', new_password: strong } })
    await expect(400, me, 'changePassword', { body: { current_password: strong, new_password: 'password' } })
    await expect(401, anonymous(), 'changePassword', { body: { current_password: strong, new_password: strong } })
    await expect(413, me, 'changePassword', { body: { current_password: huge.blob, new_password: strong } })
    await expect(202, anonymous(), 'requestPasswordReset', { body: { email: me.user!.email } })
    await expect(400, anonymous(), 'requestPasswordReset', { body: { email: 'not an address' } })
    await expect(413, anonymous(), 'requestPasswordReset', { body: { email: huge.blob } })
    const token = await tokenOf(me.user!.id)
    await expect(400, anonymous(), 'resetPassword', { body: { token, new_password: 'password' } })
    await expect(204, anonymous(), 'resetPassword', { body: { token, new_password: 'another fine passphrase' } })
    await expect(400, anonymous(), 'resetPassword', { body: { token, new_password: strong } })
    await expect(413, anonymous(), 'resetPassword', { body: { token: huge.blob } })
    for (let i = 0; i < 2; i++) await expect(202, anonymous(), 'requestPasswordReset', { body: { email: me.user!.email } })
    await expect(429, anonymous(), 'requestPasswordReset', { body: { email: me.user!.email } })

    const other = await signUp(stack.url, 'traveler', 'Ed Email')
    const taken = `taken-${randomUUID()}@example.com`
    await expect(202, other, 'requestEmailChange', { body: { new_email: taken, password: 'correct horse' } })
    await expect(400, other, 'requestEmailChange', { body: { new_email: taken, password: 'wrong horse' } })
    await expect(401, anonymous(), 'requestEmailChange', { body: { new_email: taken, password: 'correct horse' } })
    await expect(409, other, 'requestEmailChange', { body: { new_email: me.user!.email, password: 'correct horse' } })
    await expect(413, other, 'requestEmailChange', { body: { new_email: taken, password: huge.blob } })
    const change = await tokenOf(other.user!.id)
    await stack.db.query('UPDATE users SET email = $2 WHERE id = $1', [me.user!.id, taken]) // someone has the address meanwhile
    await expect(409, anonymous(), 'confirmEmailChange', { body: { token: change } })
    await stack.db.query('UPDATE users SET email = $2 WHERE id = $1', [me.user!.id, `pia-${randomUUID()}@example.com`])
    // The refused confirmation rolled back: the link still works, once.
    await expect(200, anonymous(), 'confirmEmailChange', { body: { token: change } })
    await expect(400, anonymous(), 'confirmEmailChange', { body: { token: change } })
    await expect(413, anonymous(), 'confirmEmailChange', { body: { token: huge.blob } })
    assert.equal((await expect(200, other, 'exportAccount')).body.account.id, other.user!.id)
    await expect(401, anonymous(), 'exportAccount')
    // Guessing a password through these forms is throttled as sign-ins are (counted for the address it has now).
    for (let i = 0; i < 10; i++) await call(other, 'changePassword', { body: { current_password: `guess ${i}`, new_password: strong } })
    await expect(429, other, 'changePassword', { body: { current_password: 'correct horse', new_password: strong } })
    await expect(429, other, 'requestEmailChange', { body: { new_email: `later-${randomUUID()}@example.com`, password: 'correct horse' } })
    await expect(429, other, 'deleteAccount', { body: { password: 'correct horse' } })
  })

  test('deleting an account: the preview and the deletion in each documented status', async () => {
    const leaving = await signUp(stack.url, 'traveler', 'Lee Leaving')
    const thread = (await expect(201, leaving, 'askHost', { params: { id: property.id }, body: { text: 'Before I go: is there a lift?' } })).body.message.thread_id
    const trip = await book(leaving, property.id, 70)
    assert.equal((await expect(200, leaving, 'previewAccountDeletion')).body.requests_withdrawn, 1)
    await expect(401, anonymous(), 'previewAccountDeletion')
    await expect(400, leaving, 'deleteAccount', { body: { password: 'wrong horse' } })
    await expect(401, anonymous(), 'deleteAccount', { body: { password: 'correct horse' } })
    await expect(413, leaving, 'deleteAccount', { body: { password: huge.blob } })
    assert.equal((await expect(200, leaving, 'deleteAccount', { body: { password: 'correct horse' } })).body.requests_withdrawn, 1)
    // Messages to a deleted account reach no one: 409, nothing written.
    await expect(409, owner, 'sendMessage', { params: { id: thread }, body: { text: 'Hello?' } })
    await expect(409, owner, 'sendBookingMessage', { params: { id: trip.id }, body: { text: 'Hello?' } })
    const leavingHost = await signUp(stack.url, 'owner', 'Hal Leaving')
    const place = await listProperty(leavingHost)
    await expect(200, leavingHost, 'deleteAccount', { body: { password: 'correct horse' } })
    await expect(409, traveler, 'askHost', { params: { id: place.id }, body: { text: 'Still there?' } })
  })

  test('bookings: request, lists, read, accept, cancel in each documented status', async () => {
    const created = await expect(201, traveler, 'createBooking', { body: { property_id: property.id, start_date: day(40), end_date: day(43), num_guests: 2 } })
    const id = created.body.booking.id
    await expect(400, traveler, 'createBooking', { body: { property_id: property.id, start_date: day(43), end_date: day(40), num_guests: 2 } })
    await expect(403, owner, 'createBooking', { body: { property_id: property.id, start_date: day(40), end_date: day(43), num_guests: 2 } })
    await expect(404, traveler, 'createBooking', { body: { property_id: 9_000_000, start_date: day(40), end_date: day(43), num_guests: 2 } })
    await expect(413, traveler, 'createBooking', { body: { property_id: property.id, ...huge } })

    for (const [operationId, reader, stranger] of [['listMyBookings', traveler, owner], ['listOwnerBookings', owner, traveler]] as const) {
      const page = await expect(200, reader, operationId, { query: 'limit=1' })
      assert.equal(page.body.bookings[0].id, id)
      await expect(400, reader, operationId, { query: 'limit=101' })
      await expect(403, stranger, operationId)
    }
    await expect(400, owner, 'listOwnerBookings', { query: 'status=maybe' })

    const mine = await expect(200, traveler, 'getBooking', { params: { id } })
    assert.deepEqual(mine.body.actions, ['withdraw'])
    assert.deepEqual(mine.body.history.map((h: { status: string, by: string }) => [h.status, h.by]), [['pending', 'traveler']])
    assert.deepEqual((await expect(200, owner, 'getBooking', { params: { id } })).body.actions, ['accept', 'decline'])
    await expect(400, traveler, 'getBooking', { params: { id: '0' } })
    await expect(403, otherTraveler, 'getBooking', { params: { id } })
    await expect(404, traveler, 'getBooking', { params: { id: 9_000_000 } })

    await expect(400, owner, 'acceptBooking', { params: { id: 'abc' } })
    await expect(400, owner, 'acceptBooking', { params: { id }, body: { please: true } })
    await expect(413, owner, 'acceptBooking', { params: { id }, body: huge })
    await expect(403, traveler, 'acceptBooking', { params: { id } })
    await expect(403, otherOwner, 'acceptBooking', { params: { id } })
    await expect(404, owner, 'acceptBooking', { params: { id: 9_000_000 } })
    await expect(200, owner, 'acceptBooking', { params: { id } })
    await expect(409, owner, 'acceptBooking', { params: { id } })
    await expect(409, otherTraveler, 'createBooking', { body: { property_id: property.id, start_date: day(41), end_date: day(42), num_guests: 1 } })

    await expect(400, traveler, 'cancelBooking', { params: { id: '99999999999999999999' } })
    await expect(400, traveler, 'cancelBooking', { params: { id }, body: '{"broken' })
    await expect(413, traveler, 'cancelBooking', { params: { id }, body: huge })
    await expect(403, otherTraveler, 'cancelBooking', { params: { id } })
    await expect(404, traveler, 'cancelBooking', { params: { id: 9_000_000 } })
    await expect(200, traveler, 'cancelBooking', { params: { id } })
    await expect(409, owner, 'cancelBooking', { params: { id } })
    const done = await expect(200, owner, 'getBooking', { params: { id } })
    assert.deepEqual([done.body.booking.reason, done.body.booking.previous_status, done.body.booking.currency], ['traveler_cancelled', 'accepted', 'EUR'])
    assert.deepEqual(done.body.history.map((h: { status: string, reason: string | null, by: string }) => [h.status, h.reason, h.by]),
      [['pending', null, 'traveler'], ['accepted', null, 'owner'], ['cancelled', 'traveler_cancelled', 'traveler']])
    assert.deepEqual(done.body.actions, [])

    // A stay that has begun is no longer cancelled, a request whose first night has passed no longer accepted.
    const begun = (await expect(201, traveler, 'createBooking', { body: { property_id: property.id, start_date: day(44), end_date: day(46), num_guests: 1 } })).body.booking.id
    await expect(200, owner, 'acceptBooking', { params: { id: begun } })
    const late = (await expect(201, traveler, 'createBooking', { body: { property_id: property.id, start_date: day(47), end_date: day(49), num_guests: 1 } })).body.booking.id
    await stack.db.query('UPDATE bookings SET start_date = current_date - 3, end_date = current_date - 1 WHERE id = ANY($1)', [[begun, late]])
    assert.equal((await expect(409, traveler, 'cancelBooking', { params: { id: begun } })).body.code, 'STAY_STARTED')
    assert.equal((await expect(409, owner, 'acceptBooking', { params: { id: late } })).body.code, 'REQUEST_DATES_PASSED')
    await expect(200, traveler, 'cancelBooking', { params: { id: late } })
  })

  test('notifications, /healthz and /readyz in each documented status (503 below)', async () => {
    const booking = await book(traveler, property.id, 80, 2, 1)
    // A notification as the owner service writes it, so the item schema is checked against a real row.
    await stack.db.query(`INSERT INTO notifications (user_id, type, booking_id, event_id, message)
      VALUES ($1, 'booking_requested', $2, gen_random_uuid(), 'Tom asks for two nights')`, [owner.user!.id, booking.id])
    const res = await expect(200, owner, 'listNotifications', { query: 'limit=1' })
    assert.equal(res.body.notifications.length, 1)
    await expect(400, owner, 'listNotifications', { query: 'cursor=%E2%9C%93' })
    const id = res.body.notifications[0].id
    await expect(200, owner, 'markNotificationRead', { params: { id } })
    await expect(400, owner, 'markNotificationRead', { params: { id: 'abc' } })
    await expect(404, traveler, 'markNotificationRead', { params: { id } }) // someone else's
    await expect(413, owner, 'markNotificationRead', { params: { id }, body: huge })
    await expect(200, owner, 'markAllNotificationsRead')
    await expect(400, owner, 'markAllNotificationsRead', { body: { please: true } })
    await expect(413, owner, 'markAllNotificationsRead', { body: huge })
    await expect(200, owner, 'getPreferences')
    await expect(200, owner, 'updatePreferences', { body: { email_notifications: false } })
    await expect(400, owner, 'updatePreferences', { body: { email_notifications: 'no' } })
    await expect(413, owner, 'updatePreferences', { body: huge })
    // One-click unsubscribe: no session, the token is the authority (test/parties.test.ts has the e-mails' links).
    const token = new UnsubscribeTokens(UNSUBSCRIBE_KEY, 60_000).make(traveler.user!.id)
    const unsubscribed = await expect(200, anonymous(), 'unsubscribe', { query: `token=${token}`, body: {} })
    assert.match(unsubscribed.body.email, /^t\*\*\*@example\.com$/)
    await expect(400, anonymous(), 'unsubscribe', { query: `token=${token}x`, body: {} })
    await expect(413, anonymous(), 'unsubscribe', { query: `token=${token}`, body: huge })
    await expect(200, anonymous(), 'getHealth')
    await expect(200, anonymous(), 'getReadiness')
    // The live socket's plain-HTTP side (the upgrade itself, 101 and 429: test/live.test.ts).
    await expect(426, owner, 'openLiveUpdates')
    await expect(400, owner, 'openLiveUpdates', { query: 'after=x' })
    await expect(403, owner, 'openLiveUpdates', { headers: { Origin: 'https://evil.example' } })
  })

  test('owner analytics in each documented status', async () => {
    const res = await expect(200, owner, 'getOwnerAnalytics', { query: `property_id=${property.id}` })
    assert.equal(res.body.by_day.length, 30, 'the last 30 days by default')
    await expect(200, owner, 'getOwnerAnalytics', { query: 'from=2025-01-01&to=2026-01-02' })
    await expect(400, owner, 'getOwnerAnalytics', { query: 'from=2025-01-01&to=2026-01-03' })
    await expect(400, owner, 'getOwnerAnalytics', { query: 'from=2025-02-01&to=2025-01-01' })
    await expect(400, owner, 'getOwnerAnalytics', { query: 'from=yesterday' })
    await expect(403, otherOwner, 'getOwnerAnalytics', { query: `property_id=${property.id}` })
    await expect(403, traveler, 'getOwnerAnalytics')
    await expect(404, owner, 'getOwnerAnalytics', { query: 'property_id=9000000' })
  })

  test('photos and avatars: upload, order, cover, delete, the files, in each documented status', async () => {
    const home = await listProperty(owner)
    const photo = (await expect(201, owner, 'uploadPropertyPhoto', { params: { id: home.id }, body: await webpOf(500, 400) })).body.photo
    const jpeg = await jpegWithGps(600, 400)
    const second = (await expect(201, owner, 'uploadPropertyPhoto', { params: { id: home.id }, body: jpeg, headers: { 'content-type': 'image/jpeg' } })).body.photo
    await expect(409, owner, 'uploadPropertyPhoto', { params: { id: home.id }, body: jpeg })
    await expect(400, owner, 'uploadPropertyPhoto', { params: { id: property.id }, body: jpeg.subarray(0, 2000) })
    await expect(400, owner, 'uploadPropertyPhoto', { params: { id: 'abc' }, body: jpeg })
    await expect(403, otherOwner, 'uploadPropertyPhoto', { params: { id: home.id }, body: jpeg })
    await expect(404, owner, 'uploadPropertyPhoto', { params: { id: 9_000_000 }, body: jpeg })
    await expect(413, owner, 'uploadPropertyPhoto', { params: { id: property.id }, body: Buffer.alloc(1024 * 1024 + 1) })
    await expect(413, owner, 'uploadPropertyPhoto', { params: { id: property.id }, body: pngBomb() })
    await expect(415, owner, 'uploadPropertyPhoto', { params: { id: property.id }, body: 'a text file named photo.jpg', headers: { 'content-type': 'image/jpeg' } })

    await expect(200, owner, 'orderPropertyPhotos', { params: { id: home.id }, body: { photo_ids: [second.id, photo.id] } })
    await expect(400, owner, 'orderPropertyPhotos', { params: { id: home.id }, body: { photo_ids: [second.id] } })
    await expect(403, otherOwner, 'orderPropertyPhotos', { params: { id: home.id }, body: { photo_ids: [second.id, photo.id] } })
    await expect(404, owner, 'orderPropertyPhotos', { params: { id: 9_000_000 }, body: { photo_ids: [] } })
    await expect(413, owner, 'orderPropertyPhotos', { params: { id: home.id }, body: huge })
    await expect(200, owner, 'setPropertyCover', { params: { id: home.id }, body: { photo_id: second.id } })
    await expect(400, owner, 'setPropertyCover', { params: { id: home.id }, body: { photo_id: 'first' } })
    await expect(403, traveler, 'setPropertyCover', { params: { id: home.id }, body: { photo_id: second.id } })
    await expect(404, owner, 'setPropertyCover', { params: { id: home.id }, body: { photo_id: 9_000_000 } })
    await expect(413, owner, 'setPropertyCover', { params: { id: home.id }, body: huge })

    const file = await fetch(stack.url + photo.variants[0].url)
    assert.equal(file.status, 200)
    assert.ok(ops.get('getMedia')!.op.responses[200].content?.[file.headers.get('content-type')!], 'a documented type')
    observed.get('getMedia')!.add('200')
    await expect(400, anonymous(), 'getMedia', { params: { key: 'passwd' } })
    await expect(404, anonymous(), 'getMedia', { params: { key: `${'0'.repeat(64)}.jpg` } })

    await expect(400, owner, 'deletePropertyPhoto', { params: { id: home.id, photo_id: 'x' } })
    await expect(403, otherOwner, 'deletePropertyPhoto', { params: { id: home.id, photo_id: photo.id } })
    await expect(204, owner, 'deletePropertyPhoto', { params: { id: home.id, photo_id: photo.id } })
    await expect(404, owner, 'deletePropertyPhoto', { params: { id: home.id, photo_id: photo.id } })

    const evil = { Origin: 'https://evil.example' }
    await expect(200, traveler, 'setAvatar', { body: await webpOf(300, 300) })
    await expect(400, traveler, 'setAvatar', { body: jpeg.subarray(0, 2000) })
    await expect(403, traveler, 'setAvatar', { body: jpeg, headers: evil })
    await expect(413, traveler, 'setAvatar', { body: Buffer.alloc(1024 * 1024 + 1) })
    await expect(415, traveler, 'setAvatar', { body: { not: 'a picture' } })
    await expect(400, traveler, 'deleteAvatar', { body: { please: true } })
    await expect(403, traveler, 'deleteAvatar', { headers: evil })
    await expect(204, traveler, 'deleteAvatar')
  })

  test('conversations: threads, messages, questions, read receipts in each documented status', async () => {
    const asker = await signUp(stack.url, 'traveler', 'Asker')
    const asked = await expect(201, asker, 'askHost', { params: { id: property.id }, body: { text: 'Is there parking?' } })
    const thread = asked.body.message.thread_id
    await expect(400, asker, 'askHost', { params: { id: property.id }, body: { text: 'a\u202Eb' } })
    await expect(403, owner, 'askHost', { params: { id: property.id }, body: { text: 'hi' } })
    await expect(404, asker, 'askHost', { params: { id: 9_000_000 }, body: { text: 'hi' } })
    await expect(413, asker, 'askHost', { params: { id: property.id }, body: huge })

    await expect(201, owner, 'sendMessage', { params: { id: thread }, body: { text: 'Yes, two places.' } })
    await expect(400, owner, 'sendMessage', { params: { id: thread }, body: { text: ' ' } })
    await expect(404, otherOwner, 'sendMessage', { params: { id: thread }, body: { text: 'hi' } })
    await expect(413, owner, 'sendMessage', { params: { id: thread }, body: huge })

    const booking = await book(asker, property.id, 120, 2, 1)
    await expect(201, asker, 'sendBookingMessage', { params: { id: booking.id }, body: { text: 'We booked.' } })
    await expect(400, asker, 'sendBookingMessage', { params: { id: booking.id }, body: {} })
    await expect(404, otherOwner, 'sendBookingMessage', { params: { id: booking.id }, body: { text: 'hi' } })
    await expect(413, asker, 'sendBookingMessage', { params: { id: booking.id }, body: huge })

    const list = await expect(200, owner, 'listThreads', { query: 'limit=1' })
    assert.equal(list.body.threads[0].id, thread)
    await expect(200, owner, 'listThreads', { query: `booking_id=${booking.id}` })
    await expect(400, owner, 'listThreads', { query: 'limit=0' })
    await expect(200, asker, 'listMessages', { params: { id: thread }, query: 'limit=2' })
    await expect(400, asker, 'listMessages', { params: { id: thread }, query: 'cursor=forged' })
    await expect(404, otherOwner, 'listMessages', { params: { id: thread } })
    await expect(200, owner, 'markThreadRead', { params: { id: thread } })
    await expect(400, owner, 'markThreadRead', { params: { id: thread }, body: { at: 1 } })
    await expect(404, otherOwner, 'markThreadRead', { params: { id: thread } })
    await expect(413, owner, 'markThreadRead', { params: { id: thread }, body: huge })

    // MESSAGE_RATE_PER_MINUTE is 6 here: the asker has sent 2.
    for (let i = 0; i < 4; i++) await expect(201, asker, 'sendMessage', { params: { id: thread }, body: { text: `more ${i}` } })
    await expect(429, asker, 'sendMessage', { params: { id: thread }, body: { text: 'one too many' } })
    await expect(429, asker, 'askHost', { params: { id: property.id }, body: { text: 'one too many' } })
    await expect(429, asker, 'sendBookingMessage', { params: { id: booking.id }, body: { text: 'one too many' } })
  })

  test('reviews: a stay\'s reviews, writing one, a place\'s page and the host\'s reply in each documented status', async () => {
    const host = await signUp(stack.url, 'owner', 'Reviewed host')
    const place = await listProperty(host)
    const guest = await signUp(stack.url, 'traveler', 'Reviewing guest')
    const stay = await book(guest, place.id, 150, 2, 1)
    await expect(200, host, 'acceptBooking', { params: { id: stay.id } })
    // A stay still ahead cannot be reviewed yet; moved into the past, it can.
    assert.equal((await expect(409, host, 'writeReview', { params: { id: stay.id }, body: { rating: 5, comment: 'Not yet' } })).body.code, 'REVIEW_TOO_EARLY')
    await stack.db.query("UPDATE bookings SET start_date = (now() AT TIME ZONE 'UTC')::date - 5, end_date = (now() AT TIME ZONE 'UTC')::date - 3 WHERE id = $1", [stay.id])
    await expect(200, guest, 'getStayReviews', { params: { id: stay.id } })
    await expect(400, guest, 'getStayReviews', { params: { id: '01' } })
    await expect(403, otherTraveler, 'getStayReviews', { params: { id: stay.id } })
    await expect(404, guest, 'getStayReviews', { params: { id: 9_000_000 } })
    await expect(400, guest, 'writeReview', { params: { id: stay.id }, body: { rating: 6, comment: 'Great' } })
    await expect(403, otherTraveler, 'writeReview', { params: { id: stay.id }, body: { rating: 5, comment: 'Great' } })
    await expect(404, guest, 'writeReview', { params: { id: 9_000_000 }, body: { rating: 5, comment: 'Great' } })
    await expect(413, guest, 'writeReview', { params: { id: stay.id }, body: huge })
    const mine = await expect(201, guest, 'writeReview', { params: { id: stay.id }, body: { rating: 4, comment: 'Great stay.' } })
    await expect(409, guest, 'writeReview', { params: { id: stay.id }, body: { rating: 4, comment: 'Again' } })
    await expect(404, host, 'replyToReview', { params: { id: mine.body.review.id }, body: { reply: 'Not published yet' } })
    await expect(201, host, 'writeReview', { params: { id: stay.id }, body: { rating: 5, comment: 'Lovely guest.' } })
    const page = await expect(200, anonymous(), 'listPropertyReviews', { params: { id: place.id }, query: 'limit=1' })
    assert.deepEqual(page.body.rating, { average: 4, count: 1 })
    await expect(400, anonymous(), 'listPropertyReviews', { params: { id: place.id }, query: 'limit=0' })
    await expect(404, anonymous(), 'listPropertyReviews', { params: { id: 9_000_000 } })
    await expect(400, host, 'replyToReview', { params: { id: mine.body.review.id }, body: { reply: ' ' } })
    await expect(403, otherOwner, 'replyToReview', { params: { id: mine.body.review.id }, body: { reply: 'Not mine' } })
    await expect(413, host, 'replyToReview', { params: { id: mine.body.review.id }, body: huge })
    await expect(200, host, 'replyToReview', { params: { id: mine.body.review.id }, body: { reply: 'Thank you!' } })
    await expect(409, host, 'replyToReview', { params: { id: mine.body.review.id }, body: { reply: 'Twice' } })
  })

  test('booking changes carrying a message (issue 19): a request, an accept and a decline in each status the message adds', async () => {
    const host = await signUp(stack.url, 'owner', 'Host with messages')
    const place = await listProperty(host)
    const guest = await signUp(stack.url, 'traveler', 'Guest with messages')
    const stay = (n: number) => ({ property_id: place.id, start_date: day(n), end_date: day(n + 2), num_guests: 1 })
    const first = await expect(201, guest, 'createBooking', { body: { ...stay(200), message: 'Two of us, arriving late.' } })
    await expect(400, guest, 'createBooking', { body: { ...stay(210), message: '' } })
    await expect(400, host, 'acceptBooking', { params: { id: first.body.booking.id }, body: { message: 'a\u202Eb' } })
    await expect(200, host, 'acceptBooking', { params: { id: first.body.booking.id }, body: { message: 'Welcome!' } })
    const second = await book(guest, place.id, 220, 2, 1)
    await expect(400, host, 'cancelBooking', { params: { id: second.id }, body: { message: ' ' } })
    await expect(200, host, 'cancelBooking', { params: { id: second.id }, body: { message: 'Sorry, taken by family.' } })

    // MESSAGE_RATE_PER_MINUTE is 6 here: the guest has sent 1, the host 2.
    const pending = await book(guest, place.id, 230, 2, 1)
    for (let i = 0; i < 5; i++) await expect(201, guest, 'sendBookingMessage', { params: { id: pending.id }, body: { text: `guest ${i}` } })
    for (let i = 0; i < 4; i++) await expect(201, host, 'sendBookingMessage', { params: { id: pending.id }, body: { text: `host ${i}` } })
    await expect(429, guest, 'createBooking', { body: { ...stay(240), message: 'one too many' } })
    await expect(429, guest, 'cancelBooking', { params: { id: pending.id }, body: { message: 'one too many' } })
    await expect(429, host, 'acceptBooking', { params: { id: pending.id }, body: { message: 'one too many' } })
    assert.equal((await guest.get(`/api/bookings/${pending.id}`)).body.booking.status, 'pending', 'refused with its message, the change was not made')
  })

  test('with the database unreachable, every /api operation answers 503 as documented, and /readyz names the database', async () => {
    // A second API on the same database through a TCP proxy that the test cuts: the real code path of an outage.
    const proxy = await tcpProxy(new URL(stack.databaseUrl))
    const url = new URL(stack.databaseUrl)
    url.host = `127.0.0.1:${proxy.port}`
    let running: Running | undefined
    try {
      running = await startPieces({ ...stack.config, databaseUrl: url.toString(), port: 0 }, { api: true }, createLogger('silent'))
      /** The same user (the same session cookie), on the API behind the proxy. */
      const api = (c: Client) => { const copy = new Client(running!.url!); copy.cookie = c.cookie; return copy }
      await expect(200, api(owner), 'getCurrentUser') // it works through the proxy
      proxy.cut()
      const calls: Record<string, [Client, Call]> = {
        register: [anonymous(), { body: { name: 'N', email: `down-${randomUUID()}@example.com`, password: 'correct horse', role: 'owner' } }],
        login: [anonymous(), { body: { email: 'x@example.com', password: 'whatever1' } }],
        logout: [traveler, {}],
        logoutEverywhere: [traveler, {}],
        getCurrentUser: [traveler, {}],
        updateAccount: [traveler, { body: { locale: 'en' } }],
        createProperty: [owner, { body: propertyInput() }],
        updateProperty: [owner, { params: { id: property.id }, body: { name: 'Down' } }],
        blockDates: [owner, { params: { id: property.id }, body: { start_date: day(90), end_date: day(91) } }],
        listBlocks: [owner, { params: { id: property.id } }],
        unblockDates: [owner, { params: { id: property.id, block_id: 1 } }],
        searchProperties: [anonymous(), {}],
        getProperty: [anonymous(), { params: { id: property.id } }],
        getTakenDates: [anonymous(), { params: { id: property.id } }],
        getCalendar: [anonymous(), { params: { id: property.id } }],
        getQuote: [anonymous(), { params: { id: property.id }, query: `start_date=${day(80)}&end_date=${day(83)}` }],
        changePassword: [traveler, { body: { current_password: 'x', new_password: 'lantern orchard quietly' } }],
        requestPasswordReset: [anonymous(), { body: { email: 'down@example.com' } }],
        resetPassword: [anonymous(), { body: { token: 'x', new_password: 'lantern orchard quietly' } }],
        requestEmailChange: [traveler, { body: { new_email: 'down@example.com', password: 'x' } }],
        confirmEmailChange: [anonymous(), { body: { token: 'x' } }],
        exportAccount: [traveler, {}],
        previewAccountDeletion: [traveler, {}],
        deleteAccount: [traveler, { body: { password: 'x' } }],
        addFavorite: [traveler, { params: { id: property.id } }],
        removeFavorite: [traveler, { params: { id: property.id } }],
        listFavorites: [traveler, {}],
        listOwnerProperties: [owner, {}],
        createBooking: [traveler, { body: { property_id: property.id, start_date: day(90), end_date: day(91), num_guests: 1 } }],
        listMyBookings: [traveler, {}],
        listOwnerBookings: [owner, {}],
        getBooking: [traveler, { params: { id: 1 } }],
        acceptBooking: [owner, { params: { id: 1 } }],
        cancelBooking: [traveler, { params: { id: 1 } }],
        listNotifications: [owner, {}],
        markNotificationRead: [owner, { params: { id: 1 } }],
        markAllNotificationsRead: [owner, {}],
        getPreferences: [owner, {}],
        updatePreferences: [owner, { body: { email_notifications: true } }],
        unsubscribe: [anonymous(), { query: `token=${new UnsubscribeTokens(UNSUBSCRIBE_KEY, 60_000).make(owner.user!.id)}`, body: {} }],
        getOwnerAnalytics: [owner, {}],
        openLiveUpdates: [owner, {}],
        uploadPropertyPhoto: [owner, { params: { id: property.id }, body: Buffer.from('bytes') }],
        orderPropertyPhotos: [owner, { params: { id: property.id }, body: { photo_ids: [1] } }],
        setPropertyCover: [owner, { params: { id: property.id }, body: { photo_id: 1 } }],
        deletePropertyPhoto: [owner, { params: { id: property.id, photo_id: 1 } }],
        setAvatar: [traveler, { body: Buffer.from('bytes') }],
        deleteAvatar: [traveler, {}],
        listThreads: [owner, {}],
        listMessages: [owner, { params: { id: 1 } }],
        sendMessage: [owner, { params: { id: 1 }, body: { text: 'hi' } }],
        askHost: [traveler, { params: { id: property.id }, body: { text: 'hi' } }],
        sendBookingMessage: [owner, { params: { id: 1 }, body: { text: 'hi' } }],
        markThreadRead: [owner, { params: { id: 1 } }],
        getStayReviews: [owner, { params: { id: 1 } }],
        writeReview: [owner, { params: { id: 1 }, body: { rating: 5, comment: 'hi' } }],
        listPropertyReviews: [anonymous(), { params: { id: property.id } }],
        replyToReview: [owner, { params: { id: 1 }, body: { reply: 'hi' } }]
      }
      for (const [id, [client, c]] of Object.entries(calls)) await expect(503, api(client), id, c)
      const down = await call(api(anonymous()), 'getReadiness')
      assert.equal(down.status, 503)
      assert.ok(down.body.down.database)
      await expect(200, api(anonymous()), 'getHealth')
    } finally {
      await running?.stop()
      proxy.cut()
    }
  })

  test('every state-changing operation refuses a request from another site with 403 CROSS_SITE_REQUEST', async () => {
    const evil = { Origin: 'https://evil.example' }
    for (const [id, { method }] of ops) {
      if (method !== 'POST' && method !== 'PATCH' && method !== 'DELETE') continue
      if (id === 'unsubscribe') { // carries its authority in its URL, never a cookie: a mail client POSTs it from anywhere
        assert.equal((await expect(400, traveler, id, { query: 'token=forged', body: {}, headers: evil })).body.code, 'INVALID_UNSUBSCRIBE_TOKEN')
        continue
      }
      const res = await expect(403, traveler, id, { params: { id: 1, block_id: 1 }, body: {}, headers: evil })
      assert.equal(res.body.code, 'CROSS_SITE_REQUEST', id)
    }
  })

  // Statuses another file drives, because this file's stack relaxes the throttle that gives them (every test
  // registers users from one address).
  const SEEN_ELSEWHERE: Record<string, string[]> = {
    register: ['429'], // test/security-auth.test.ts
    openLiveUpdates: ['101', '429'] // test/live.test.ts: a WebSocket client's upgrade
  }

  test('every status the document lists for an operation was observed, 500 aside', () => {
    for (const [id, { op }] of ops) {
      const missing = Object.keys(op.responses).filter(s => s !== '500' && !observed.get(id)!.has(s) && !SEEN_ELSEWHERE[id]?.includes(s))
      assert.deepEqual(missing, [], `${id}: documented but never seen`)
    }
  })
})

/** A TCP proxy to the database; cut() refuses new connections and drops the open ones. */
async function tcpProxy (target: URL) {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => { client.destroy(); upstream.destroy() })
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    cut () {
      server.close()
      for (const s of sockets) s.destroy()
    }
  }
}
