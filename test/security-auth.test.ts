import assert from 'node:assert/strict'
import { argon2, randomBytes, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { after, before, test } from 'node:test'
import { configureHashing, hashing } from '../src/auth/password.ts'
import { assertSignedOut, Client, type Reply } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Issue 8, findings 1, 6, 7 and part of 9: sign-in and registration throttles by client address and account,
// bounded password hashing, the password policy, and the session rules. The API runs behind a "proxy"
// (TRUST_PROXY=loopback: the test connects from 127.0.0.1), so each request says its client address in X-Forwarded-For.

const LIMITS = {
  TRUST_PROXY: 'loopback',
  LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT: '5',
  LOGIN_MAX_FAILURES_PER_CLIENT: '8',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '12',
  REGISTER_MAX_PER_CLIENT: '3',
  HASH_CONCURRENCY: '2',
  HASH_QUEUE: '2'
}
let stack: Stack
before(async () => { stack = await startStack({ kafka: false, env: LIMITS }) })
after(async () => { await stack?.stop() })

const PASSWORD = 'correct horse'
const email = (tag = 'user') => `${tag}-${randomUUID()}@example.com`
let lastOctet = 0
/** A client address of its own, as a proxy would report it. */
const address = () => `198.51.${Math.floor(++lastOctet / 250)}.${lastOctet % 250 + 1}`

function from (ip: string, cookie = '') {
  const client = Object.assign(new Client(stack.url), { cookie })
  return {
    client,
    post: (path: string, body?: unknown) => client.request('POST', path, body, { 'x-forwarded-for': ip }),
    get: (path: string) => client.request('GET', path, undefined, { 'x-forwarded-for': ip })
  }
}

async function registered (over: Record<string, unknown> = {}) {
  const input = { name: 'Vic Victim', email: email(), password: PASSWORD, role: 'traveler', ...over }
  const res = await from(address()).post('/api/auth/register', input)
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return { ...input, id: res.body.user.id as number }
}

function checkError (res: Reply, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.code, code)
}

// ---- finding 1: throttles

test('an attacker guessing from one address is throttled (429, Retry-After), and the owner still signs in from another', async () => {
  const victim = await registered()
  const attacker = address()
  for (let i = 1; i <= 5; i++) {
    const typed = i % 2 ? victim.email : victim.email.toUpperCase()
    checkError(await from(attacker).post('/api/auth/login', { email: typed, password: `guess ${i}` }), 401, 'INVALID_CREDENTIALS')
  }
  const refused = await from(attacker).post('/api/auth/login', { email: victim.email, password: PASSWORD })
  checkError(refused, 429, 'TOO_MANY_ATTEMPTS')
  assert.equal(refused.headers.get('retry-after'), String(15 * 60))
  assert.equal(refused.headers.get('set-cookie'), null, 'even the right password signs nobody in from there')

  const owner = from(address())
  assert.equal((await owner.post('/api/auth/login', { email: victim.email, password: PASSWORD })).status, 200)
  assert.equal((await owner.get('/api/auth/me')).body.user.id, victim.id)
  // The state is in PostgreSQL, by address: every API replica sees it.
  const { rows } = await stack.db.query('SELECT DISTINCT client FROM login_failures WHERE lower(email) = lower($1)', [victim.email])
  assert.deepEqual(rows.map(r => r.client), [attacker])
})

test('one address spraying guesses over many accounts is stopped; other addresses are not', async () => {
  const sprayer = address()
  for (let i = 0; i < 8; i++) {
    checkError(await from(sprayer).post('/api/auth/login', { email: email('spray'), password: PASSWORD }), 401, 'INVALID_CREDENTIALS')
  }
  const user = await registered()
  checkError(await from(sprayer).post('/api/auth/login', { email: user.email, password: PASSWORD }), 429, 'TOO_MANY_ATTEMPTS')
  checkError(await from(sprayer).post('/api/auth/login', { email: email('spray'), password: PASSWORD }), 429, 'TOO_MANY_ATTEMPTS')
  assert.equal((await from(address()).post('/api/auth/login', { email: user.email, password: PASSWORD })).status, 200)
})

test('a guess from many addresses: past the account\'s total, addresses that failed are refused and a clean one signs in', async () => {
  const victim = await registered()
  const bots = Array.from({ length: 12 }, address)
  for (const bot of bots) {
    checkError(await from(bot).post('/api/auth/login', { email: victim.email, password: 'botnet guess' }), 401, 'INVALID_CREDENTIALS')
  }
  checkError(await from(bots[0]).post('/api/auth/login', { email: victim.email, password: PASSWORD }), 429, 'TOO_MANY_ATTEMPTS')
  assert.equal((await from(address()).post('/api/auth/login', { email: victim.email, password: PASSWORD })).status, 200)
})

test('registration is throttled per client address', async () => {
  const ip = address()
  const input = () => ({ name: 'Reg Ister', email: email('reg'), password: PASSWORD, role: 'owner' })
  for (let i = 0; i < 3; i++) assert.equal((await from(ip).post('/api/auth/register', input())).status, 201)
  const refused = await from(ip).post('/api/auth/register', input())
  checkError(refused, 429, 'TOO_MANY_ATTEMPTS')
  assert.ok(Number(refused.headers.get('retry-after')) > 0)
  assert.equal((await from(address()).post('/api/auth/register', input())).status, 201, 'another address registers')
})

test('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot pose as many addresses', async () => {
  const direct = await startStack({ kafka: false, env: { ...LIMITS, TRUST_PROXY: '', LOGIN_MAX_FAILURES_PER_CLIENT: '4' } })
  try {
    const post = (ip: string) => new Client(direct.url).request('POST', '/api/auth/login',
      { email: email('spray'), password: PASSWORD }, { 'x-forwarded-for': ip })
    for (let i = 0; i < 4; i++) checkError(await post(address()), 401, 'INVALID_CREDENTIALS')
    checkError(await post(address()), 429, 'TOO_MANY_ATTEMPTS')
    const { rows } = await direct.db.query('SELECT DISTINCT client FROM login_failures')
    assert.deepEqual(rows.map(r => r.client), ['127.0.0.1'], 'counted against the socket\'s peer')
  } finally {
    await direct.stop()
  }
})

test('150 wrong passwords sent at once for one account from one address: exactly the limit is evaluated, the rest are 429', async () => {
  // A stack whose hash queue holds all 150, so that only the throttle can stop them; the limit as shipped (10).
  const own = await startStack({ kafka: false, env: { ...LIMITS, LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT: '10', LOGIN_MAX_FAILURES_PER_CLIENT: '20', HASH_QUEUE: '200' } })
  try {
    const victim = { name: 'Vic Victim', email: email(), password: PASSWORD, role: 'traveler' }
    assert.equal((await new Client(own.url).request('POST', '/api/auth/register', victim, { 'x-forwarded-for': address() })).status, 201)
    const attacker = address()
    const guess = (password: string) => new Client(own.url).request('POST', '/api/auth/login', { email: victim.email, password }, { 'x-forwarded-for': attacker })
    const replies = await Promise.all(Array.from({ length: 150 }, (_, i) => guess(`guess number ${i}`)))
    const count = (status: number) => replies.filter(r => r.status === status).length
    assert.equal(count(401), 10, `evaluated guesses: ${replies.map(r => r.status)}`)
    assert.equal(count(429), 140)
    for (const r of replies.filter(r => r.status === 429)) assert.equal(r.body.code, 'TOO_MANY_ATTEMPTS')
    const { rows: [failures] } = await own.db.query('SELECT count(*)::int AS n FROM login_failures WHERE client = $1', [attacker])
    assert.equal(failures.n, 10)
    checkError(await guess(PASSWORD), 429, 'TOO_MANY_ATTEMPTS')
    assert.equal((await new Client(own.url).request('POST', '/api/auth/login', { email: victim.email, password: PASSWORD }, { 'x-forwarded-for': address() })).status, 200)
  } finally {
    await own.stop()
    configureHashing({ concurrency: stack.config.hashConcurrency, queue: stack.config.hashQueue }) // the bound is per process
  }
})

test('30 registrations sent at once from one address: exactly REGISTER_MAX_PER_CLIENT are admitted', async () => {
  const ip = address()
  const replies = await Promise.all(Array.from({ length: 30 }, () =>
    from(ip).post('/api/auth/register', { name: 'Reg Ister', email: email('burst'), password: PASSWORD, role: 'owner' })))
  assert.deepEqual(replies.map(r => r.status).sort(), [...Array(3).fill(201), ...Array(27).fill(429)])
  const { rows: [admitted] } = await stack.db.query('SELECT count(*)::int AS n FROM registrations WHERE client = $1', [ip])
  assert.equal(admitted.n, 3)
})

// ---- finding 6: bounded hashing

test('40 concurrent bad sign-ins: at most HASH_CONCURRENCY hashes run and HASH_QUEUE wait; the rest get 503 with Retry-After; a good sign-in then succeeds', async () => {
  const user = await registered()
  hashing.reset()
  const replies = await Promise.all(Array.from({ length: 40 }, () =>
    from(address()).post('/api/auth/login', { email: email('flood'), password: 'not it at all' })))
  const statuses = replies.map(r => r.status)
  const busy = replies.filter(r => r.status === 503)
  assert.ok(busy.length > 0, `some were refused: ${statuses}`)
  for (const r of busy) {
    assert.equal(r.body.code, 'SERVER_BUSY')
    assert.equal(r.headers.get('retry-after'), '1')
  }
  assert.equal(busy.length + replies.filter(r => r.status === 401).length, 40, `only 401 or 503: ${statuses}`)
  assert.ok(hashing.peak <= 2, `hashes at once: ${hashing.peak}`)
  assert.ok(hashing.peakWaiting <= 2, `hashes waiting: ${hashing.peakWaiting}`)
  assert.equal(hashing.refused, busy.length)
  assert.equal((await from(address()).post('/api/auth/login', { email: user.email, password: PASSWORD })).status, 200)
})

// ---- finding 7: password policy

test('common, repetitive and self-derived passwords are refused (400 on password); a good one is taken', async () => {
  const base = { name: 'Rita Register', email: `Rita.Reg-${randomUUID().slice(0, 8)}@example.com`, role: 'traveler' }
  const refused = ['password', 'PASSWORD', '12345678', 'qwertyuiop', 'iloveyou', '        ', 'aaaaaaaaaa', '１２３４５６７８',
    base.email, base.email.toUpperCase(), base.email.split('@')[0], 'Rita Register', 'ritaregister']
  for (const password of refused) {
    const res = await from(address()).post('/api/auth/register', { ...base, password })
    checkError(res, 400, 'VALIDATION_ERROR')
    assert.equal(res.body.details[0].field, 'password', `${JSON.stringify(password)}: ${JSON.stringify(res.body)}`)
  }
  assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [base.email])).rows[0].n, 0)
  assert.equal((await from(address()).post('/api/auth/register', { ...base, password: 'velvet tangerine 42' })).status, 201)
})

test('sequential, repetitive, service-name and user-derived passwords are refused, each with a message that says why', async () => {
  const base = { name: 'Johnathan Smith', email: `jsmith-${randomUUID().slice(0, 8)}@example.com`, role: 'traveler' }
  const refused: Array<[string, RegExp]> = [
    ['abcdefgh', /sequence/],
    ['87654321', /commonly used password/],
    ['abababab', /repeats a short pattern/],
    ['hostly123', /the name of this service/],
    ['Smith123456', /your name or e-mail address/],
    ['johnathan2024', /your name or e-mail address/]
  ]
  for (const [password, why] of refused) {
    const res = await from(address()).post('/api/auth/register', { ...base, password })
    checkError(res, 400, 'VALIDATION_ERROR')
    assert.deepEqual(res.body.details.map((d: { field: string }) => d.field), ['password'], password)
    assert.match(res.body.message, /^The password is too easy to guess: /, password)
    assert.match(res.body.details[0].message, why, `${password}: ${res.body.details[0].message}`)
  }
  assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [base.email])).rows[0].n, 0)
  assert.equal((await from(address()).post('/api/auth/register', { ...base, password: 'plum orbit fox' })).status, 201)
})

test('length counts characters as a person does: 7 accented letters typed as 14 code points are too few, 8 emoji are enough', async () => {
  const decomposed = 'a\u0301e\u0301i\u0301o\u0301u\u0301y\u0301n\u0303' // 7 letters, 14 code points
  const res = await from(address()).post('/api/auth/register', { name: 'Ana', email: email(), password: decomposed, role: 'traveler' })
  checkError(res, 400, 'VALIDATION_ERROR')
  assert.match(res.body.message, /at least 8 characters/)
  const emoji = '🏠🔑🌊🌴🍋🚲🎒⛵' // 8 characters, 16 UTF-16 units
  assert.equal((await from(address()).post('/api/auth/register', { name: 'Ana', email: email(), password: emoji, role: 'traveler' })).status, 201)
})

test('a password is normalised (NFKC): typed as NFC at registration, NFD at sign-in, it is the same password', async () => {
  const nfc = 'Crème brûlée à 9h'.normalize('NFC')
  const user = await registered({ password: nfc })
  assert.notEqual(nfc.normalize('NFD'), nfc)
  assert.equal((await from(address()).post('/api/auth/login', { email: user.email, password: nfc.normalize('NFD') })).status, 200)
  checkError(await from(address()).post('/api/auth/login', { email: user.email, password: 'Creme brulee a 9h' }), 401, 'INVALID_CREDENTIALS')
})

test('a hash written before normalisation still signs its user in, and is replaced by the normalised one', async () => {
  const typed = 'Ｓｋｙｌａｒｋ ｎｅｓｔ ７' // full-width: NFKC makes it "Skylark nest 7"
  const salt = randomBytes(16)
  const hash = await promisify(argon2)('argon2id', { message: typed, nonce: salt, memory: 19456, passes: 2, parallelism: 1, tagLength: 32 })
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')
  const legacy = `$argon2id$v=19$m=19456,t=2,p=1$${b64(salt)}$${b64(hash)}`
  const address_ = email('legacy')
  await stack.db.query('INSERT INTO users (name, email, password_hash, role) VALUES (\'Old Timer\', $1, $2, \'traveler\')', [address_, legacy])

  assert.equal((await from(address()).post('/api/auth/login', { email: address_, password: typed })).status, 200)
  const { rows: [row] } = await stack.db.query('SELECT password_hash FROM users WHERE email = $1', [address_])
  assert.notEqual(row.password_hash, legacy, 'rehashed')
  assert.equal((await from(address()).post('/api/auth/login', { email: address_, password: 'Skylark nest 7' })).status, 200)
  assert.equal((await from(address()).post('/api/auth/login', { email: address_, password: typed })).status, 200)
})

// ---- finding 9: sessions and names

test('register from a browser signed in as someone else ends that session on the server', async () => {
  const first = from(address())
  await first.post('/api/auth/register', { name: 'First', email: email(), password: PASSWORD, role: 'traveler' })
  const oldCookie = first.client.cookie
  assert.equal((await first.post('/api/auth/register', { name: 'Second', email: email(), password: PASSWORD, role: 'owner' })).status, 201)
  assert.equal((await first.get('/api/auth/me')).body.user.name, 'Second')
  await assertSignedOut(from(address(), oldCookie))
})

test('POST /api/auth/logout-all ends every session of the caller and no one else\'s', async () => {
  const user = await registered()
  const browsers = [from(address()), from(address()), from(address())]
  for (const b of browsers) assert.equal((await b.post('/api/auth/login', { email: user.email, password: PASSWORD })).status, 200)
  const other = await registered()
  const bystander = from(address())
  await bystander.post('/api/auth/login', { email: other.email, password: PASSWORD })

  checkError(await from(address()).post('/api/auth/logout-all'), 401, 'UNAUTHORIZED')
  const res = await browsers[0].post('/api/auth/logout-all')
  assert.equal(res.status, 204)
  assert.match(res.headers.get('set-cookie') ?? '', /hostly_session=;/)
  for (const b of browsers.slice(1)) await assertSignedOut(b)
  assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [user.id])).rows[0].n, 0)
  assert.equal((await bystander.get('/api/auth/me')).status, 200)
})

test('names of only invisible characters, or with control or bidi-override characters, are refused; others are kept as given', async () => {
  for (const name of ['\u200B\u200B', '\u3164', '\u2800\u2800', ' \u200D ', 'Eve\u202Egnp.exe', 'Eve\u2066x', 'Bob\nAdmin', 'Tab\tName', '\u0301']) {
    const res = await from(address()).post('/api/auth/register', { name, email: email(), password: PASSWORD, role: 'traveler' })
    checkError(res, 400, 'VALIDATION_ERROR')
    assert.equal(res.body.details[0].field, 'name', JSON.stringify(name))
  }
  for (const name of ['Zoë Ångström', '李小龍', 'O\'Brien <b>', 'محمد', '👩‍🚀 Ada']) {
    const res = await from(address()).post('/api/auth/register', { name, email: email(), password: PASSWORD, role: 'traveler' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.user.name, name)
  }
})
