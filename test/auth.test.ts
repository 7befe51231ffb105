import assert from 'node:assert/strict'
import { argon2, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { after, before, test } from 'node:test'
import { assertSignedOut, Client, type Reply } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Sign-up, sign-in, sessions and sign-out, as a browser sees them, and what the users table keeps.

let stack: Stack
before(async () => { stack = await startStack({ kafka: false }) })
after(async () => { await stack?.stop() })

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const PASSWORD = 'correct horse'
const email = (tag = 'user') => `${tag}-${randomUUID()}@example.com`
const registration = (over: Record<string, unknown> = {}) =>
  ({ name: 'Rita Register', email: email(), password: PASSWORD, role: 'traveler', ...over })

/** A client with a cookie jar of its own and a header jar of its own for raw cookies. */
const anonymous = () => new Client(stack.url)
const withCookie = (cookie: string) => Object.assign(anonymous(), { cookie })

function checkError (res: Reply, status: number, code: string, field?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.code, code)
  assert.equal(typeof res.body.message, 'string')
  if (field) assert.ok(res.body.details.some((d: { field: string }) => d.field === field), JSON.stringify(res.body))
}

function checkUser (user: Record<string, unknown>, expected: { name: string, email: string, role: string }) {
  assert.deepEqual(Object.keys(user).sort(), ['about', 'avatar', 'city', 'created_at', 'email', 'id', 'languages', 'locale', 'name', 'role', 'time_zone'])
  assert.ok(Number.isInteger(user.id) && (user.id as number) > 0)
  assert.equal(user.name, expected.name)
  assert.equal(user.email, expected.email)
  assert.equal(user.role, expected.role)
  assert.match(user.created_at as string, ISO)
}

/** The Set-Cookie of a reply, as its name=value and its attributes (lower-cased names). */
function parseSetCookie (res: Reply) {
  const header = res.headers.get('set-cookie')
  assert.ok(header, 'a Set-Cookie header')
  const [pair, ...attrs] = header.split(';').map(s => s.trim())
  const attributes = new Map(attrs.map(a => {
    const [k, ...v] = a.split('=')
    return [k.toLowerCase(), v.join('=')] as const
  }))
  return { pair, name: pair.split('=')[0], value: pair.slice(pair.indexOf('=') + 1), attributes }
}

const userRow = async (id: number) => (await stack.db.query('SELECT * FROM users WHERE id = $1', [id])).rows[0]
const sessionCount = async (userId: number) =>
  (await stack.db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [userId])).rows[0].n as number

test('register: 201, the user and nothing more, and an HttpOnly SameSite=Lax session cookie', async () => {
  const client = anonymous()
  const input = registration({ name: 'Rita', role: 'owner' })
  const res = await client.post('/api/auth/register', input)
  assert.equal(res.status, 201, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body), ['user'])
  checkUser(res.body.user, { name: 'Rita', email: input.email, role: 'owner' })

  const text = JSON.stringify(res.body)
  assert.doesNotMatch(text, /password|hash|argon/i, 'no password or hash in the reply')
  assert.ok(!text.includes(PASSWORD))

  const cookie = parseSetCookie(res)
  assert.equal(cookie.name, 'hostly_session')
  assert.ok(cookie.value.length >= 32, 'a long random token')
  assert.ok(cookie.attributes.has('httponly'), 'HttpOnly')
  assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax')
  assert.equal(cookie.attributes.get('path'), '/')
  assert.ok(!cookie.attributes.has('secure'), 'not Secure over plain HTTP')

  // The cookie is a session: /me answers with the same user.
  const me = await client.get('/api/auth/me')
  assert.equal(me.status, 200)
  assert.deepEqual(me.body, { user: res.body.user })
  // Only a hash of the token is kept: the cookie's value is nowhere in the sessions table.
  const { rows } = await stack.db.query('SELECT token_hash FROM sessions WHERE user_id = $1', [res.body.user.id])
  assert.ok(rows.every(r => !r.token_hash.equals(Buffer.from(cookie.value)) && !r.token_hash.toString('latin1').includes(cookie.value)))
  assert.equal(await sessionCount(res.body.user.id), 1)
})

test('the password is stored as an argon2id PHC string that verifies, never as the password', async () => {
  const res = await anonymous().post('/api/auth/register', registration())
  const row = await userRow(res.body.user.id)
  const phc = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/
  const match = phc.exec(row.password_hash)
  assert.ok(match, `a PHC string in B64 (standard base64, no padding): ${row.password_hash}`)
  const [, m, t, p, salt, hash] = match
  assert.ok(Number(m) >= 19456 && Number(t) >= 2 && Number(p) >= 1, 'at least OWASP\'s argon2id parameters')
  assert.ok(Buffer.from(salt, 'base64').length >= 16, 'a salt of 16 bytes or more')
  // Recomputed independently, it is the argon2id hash of the password.
  const expected = Buffer.from(hash, 'base64')
  const actual = await promisify(argon2)('argon2id', {
    message: PASSWORD, nonce: Buffer.from(salt, 'base64'), memory: Number(m), passes: Number(t), parallelism: Number(p), tagLength: expected.length
  })
  assert.ok(actual.equals(expected), 'the hash is argon2id(password, salt)')
  assert.ok(!row.password_hash.includes(PASSWORD))

  // Salted: the same password gives another string.
  const other = await anonymous().post('/api/auth/register', registration())
  assert.notEqual((await userRow(other.body.user.id)).password_hash, row.password_hash)
})

test('an e-mail can be registered once, whatever its case (409)', async () => {
  const local = `foo-${randomUUID()}`
  const first = await anonymous().post('/api/auth/register', registration({ email: `${local}@x.io` }))
  assert.equal(first.status, 201)
  for (const again of [`${local}@x.io`, `${local.toUpperCase()}@X.IO`, `${local[0].toUpperCase()}${local.slice(1)}@x.io`]) {
    const client = anonymous()
    const res = await client.post('/api/auth/register', registration({ email: again, role: 'owner' }))
    checkError(res, 409, 'EMAIL_TAKEN')
    assert.equal(res.headers.get('set-cookie'), null, 'no session for a refused sign-up')
  }
  const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [`${local}@x.io`])
  assert.equal(rows[0].n, 1)
  // And Foo@x.io, registered first, makes foo@x.io taken too.
  const mixed = `Foo-${randomUUID()}@x.io`
  assert.equal((await anonymous().post('/api/auth/register', registration({ email: mixed }))).status, 201)
  checkError(await anonymous().post('/api/auth/register', registration({ email: mixed.toLowerCase() })), 409, 'EMAIL_TAKEN')
})

test('a password of 7 characters is refused (400); a longer one that is hard to guess is fine', async () => {
  const short = registration({ password: '1234567' })
  checkError(await anonymous().post('/api/auth/register', short), 400, 'VALIDATION_ERROR', 'password')
  const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [short.email])
  assert.equal(rows[0].n, 0)
  assert.equal((await anonymous().post('/api/auth/register', registration({ password: 'kx7#qp2mz' }))).status, 201)
})

test('a role other than traveler or owner is refused (400)', async () => {
  for (const role of ['admin', 'OWNER', '', null, 1]) {
    checkError(await anonymous().post('/api/auth/register', registration({ role })), 400, 'VALIDATION_ERROR', 'role')
  }
})

test('login: 200, the user, and a new session cookie; the session the old cookie named ends', async () => {
  const client = anonymous()
  const input = registration({ name: 'Lou' })
  const registered = await client.post('/api/auth/register', input)
  const userId = registered.body.user.id
  const registerCookie = client.cookie
  assert.match(registerCookie, /^hostly_session=.+/)

  // Signing in again from the same browser (it sends its current cookie).
  const res = await client.post('/api/auth/login', { email: input.email, password: PASSWORD })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body), ['user'])
  checkUser(res.body.user, { name: 'Lou', email: input.email, role: 'traveler' })
  assert.deepEqual(res.body.user, registered.body.user)
  assert.doesNotMatch(JSON.stringify(res.body), /password|hash/i)
  const cookie = parseSetCookie(res)
  assert.equal(cookie.name, 'hostly_session')
  assert.ok(cookie.attributes.has('httponly'))
  assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax')
  assert.notEqual(client.cookie, registerCookie, 'the session id changes at login')

  assert.equal((await client.get('/api/auth/me')).status, 200, 'the new cookie works')
  await assertSignedOut(withCookie(registerCookie))
  assert.equal(await sessionCount(userId), 1, 'the old session was closed, not left behind')

  // Signing in from another browser opens a session of its own and leaves the first one alone.
  const other = anonymous()
  assert.equal((await other.post('/api/auth/login', { email: input.email, password: PASSWORD })).status, 200)
  assert.notEqual(other.cookie, client.cookie)
  assert.equal((await client.get('/api/auth/me')).status, 200)
  assert.equal((await other.get('/api/auth/me')).status, 200)
  assert.equal(await sessionCount(userId), 2)

  // A browser holding a stale or forged cookie signs in all the same.
  const stale = withCookie('hostly_session=forged')
  assert.equal((await stale.post('/api/auth/login', { email: input.email, password: PASSWORD })).status, 200)
  assert.equal((await stale.get('/api/auth/me')).status, 200)
})

test('login takes the e-mail address in any case', async () => {
  const input = registration({ email: `Case-${randomUUID()}@Example.com` })
  await anonymous().post('/api/auth/register', input)
  const res = await anonymous().post('/api/auth/login', { email: input.email.toLowerCase(), password: PASSWORD })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(res.body.user.email, input.email, 'the address as it was registered')
})

test('a wrong password and an unknown e-mail get the same 401, and no cookie', async () => {
  const input = registration()
  await anonymous().post('/api/auth/register', input)
  const wrong = await anonymous().post('/api/auth/login', { email: input.email, password: 'wrong horse' })
  const unknown = await anonymous().post('/api/auth/login', { email: email('nobody'), password: PASSWORD })
  const caseOfPassword = await anonymous().post('/api/auth/login', { email: input.email, password: PASSWORD.toUpperCase() })
  for (const res of [wrong, unknown, caseOfPassword]) {
    checkError(res, 401, 'INVALID_CREDENTIALS')
    assert.equal(res.headers.get('set-cookie'), null)
  }
  assert.deepEqual(unknown.body, wrong.body, 'the reply does not tell which accounts exist')
  assert.deepEqual(caseOfPassword.body, wrong.body)
})

test('after 10 failed sign-ins for an address, the next is refused with 429, even with the right password', async () => {
  const input = registration()
  await anonymous().post('/api/auth/register', input)
  for (let i = 1; i <= 10; i++) {
    // The address in varying case counts as one address.
    const address = i % 2 ? input.email : input.email.toUpperCase()
    checkError(await anonymous().post('/api/auth/login', { email: address, password: `wrong ${i}` }), 401, 'INVALID_CREDENTIALS')
  }
  const client = anonymous()
  const res = await client.post('/api/auth/login', { email: input.email, password: PASSWORD })
  checkError(res, 429, 'TOO_MANY_ATTEMPTS')
  assert.equal(res.headers.get('set-cookie'), null)
  assert.equal(client.cookie, '')
  checkError(await anonymous().post('/api/auth/login', { email: input.email, password: 'wrong again' }), 429, 'TOO_MANY_ATTEMPTS')

  // Another address is not affected.
  const other = registration()
  await anonymous().post('/api/auth/register', other)
  assert.equal((await anonymous().post('/api/auth/login', { email: other.email, password: PASSWORD })).status, 200)
})

test('the limit applies to unknown addresses too', async () => {
  const nobody = email('nobody')
  for (let i = 0; i < 10; i++) checkError(await anonymous().post('/api/auth/login', { email: nobody, password: PASSWORD }), 401, 'INVALID_CREDENTIALS')
  checkError(await anonymous().post('/api/auth/login', { email: nobody, password: PASSWORD }), 429, 'TOO_MANY_ATTEMPTS')
})

test('nine failures and then the right password signs in', async () => {
  const input = registration()
  await anonymous().post('/api/auth/register', input)
  for (let i = 0; i < 9; i++) checkError(await anonymous().post('/api/auth/login', { email: input.email, password: 'nope nope' }), 401, 'INVALID_CREDENTIALS')
  assert.equal((await anonymous().post('/api/auth/login', { email: input.email, password: PASSWORD })).status, 200)
})

test('logout: 204, the cookie is cleared, and the session is over on the server', async () => {
  const client = anonymous()
  const registered = await client.post('/api/auth/register', registration())
  const sessionCookie = client.cookie
  const res = await client.post('/api/auth/logout')
  assert.equal(res.status, 204)
  assert.equal(res.body, undefined)
  const cleared = parseSetCookie(res)
  assert.equal(cleared.name, 'hostly_session')
  assert.equal(cleared.value, '')
  assert.ok(cleared.attributes.get('max-age') === '0' || Date.parse(cleared.attributes.get('expires') ?? '') < Date.now(), 'expired')

  await assertSignedOut(client)
  // A copy of the old cookie (kept by anyone) no longer signs in: the session ended server-side.
  await assertSignedOut(withCookie(sessionCookie))
  assert.equal(await sessionCount(registered.body.user.id), 0)
  // Logging out twice: there is no session any more.
  checkError(await withCookie(sessionCookie).post('/api/auth/logout'), 401, 'UNAUTHORIZED')
})

test('logout of one session leaves the user\'s other sessions alone', async () => {
  const first = anonymous()
  const input = registration()
  await first.post('/api/auth/register', input)
  const second = anonymous()
  await second.post('/api/auth/login', { email: input.email, password: PASSWORD })
  assert.equal((await first.post('/api/auth/logout')).status, 204)
  assert.equal((await second.get('/api/auth/me')).status, 200)
})

test('/api/auth/me without a cookie, or with a forged one, answers signed out (200, user null); logout is 401', async () => {
  await assertSignedOut(anonymous())
  checkError(await anonymous().post('/api/auth/logout'), 401, 'UNAUTHORIZED')
  const client = anonymous()
  const registered = await client.post('/api/auth/register', registration())
  const real = client.cookie.split('=')[1]
  const flipped = real.slice(0, -1) + (real.at(-1) === 'A' ? 'B' : 'A')
  for (const forged of ['hostly_session=forged', 'hostly_session=', `hostly_session=${flipped}`, `hostly_session=${real}x`,
    `other_cookie=${real}`, 'hostly_session=%00', `hostly_session=${'A'.repeat(5000)}`]) {
    await assertSignedOut(withCookie(forged))
  }
  // A user id in the cookie means nothing.
  await assertSignedOut(withCookie(`hostly_session=${registered.body.user.id}`))
})

test('an expired session is refused: signed out', async () => {
  const client = anonymous()
  const registered = await client.post('/api/auth/register', registration())
  await stack.db.query('UPDATE sessions SET expires_at = now() - interval \'1 second\' WHERE user_id = $1', [registered.body.user.id])
  await assertSignedOut(client)
})
