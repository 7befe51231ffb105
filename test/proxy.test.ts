import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { freePort } from '../src/kafka/local/broker.ts'
import { findNginx, startProxy, type Proxy } from '../support/proxy.ts'
import { book, ClientFrom, listProperty, type Reply } from './helpers/http.ts'
import { openLive, type LiveSocket } from './helpers/live.ts'
import { total, scrape } from './helpers/metrics.ts'
import { cleanUp, consumersJoined, databases, hostly, lineMatching } from './helpers/processes.ts'
import { freshBroker, freshDatabase } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Issue 20, point 0: two `hostly api` processes behind a real nginx, as behind the Ingress controller. Clients
// come from addresses of their own (127.0.0.2, 127.0.0.3…: all of 127/8 is loopback); nginx connects to the APIs
// from PROXY_ADDRESS, inside the CIDR that TRUST_PROXY names. Each client is counted by its own address, whichever
// API answers it, and cannot borrow another's by writing X-Forwarded-For itself.

const PROXY_ADDRESS = '127.0.1.1'
const PASSWORD = 'a long proxy passphrase'
const nginx = findNginx()
const skip = nginx ? false : 'nginx is not installed (apt-get install nginx-light); .ci/run installs it'
if (!nginx && process.env.CI) throw new Error('CI: nginx must be installed (.ci/run installs the Debian nginx-light package)')

let broker: Awaited<ReturnType<typeof freshBroker>>
let db: pg.Pool
let proxy: Proxy
let apis: string[] = []
/** Each API process's /metrics (on METRICS_PORT, which no proxy leads to), in the order of apis. */
let metricsOf: string[] = []

before(async () => {
  if (skip) return
  broker = await freshBroker()
  const databaseUrl = await freshDatabase()
  databases.push(databaseUrl)
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    RELAY_POLL_MS: '200',
    TRUST_PROXY: '127.0.1.0/24',
    LOGIN_MAX_FAILURES_PER_CLIENT: '4',
    REGISTER_MAX_PER_CLIENT: '3'
  }
  const started = await Promise.all([0, 1].map(async () => {
    const metricsPort = await freePort()
    const api = hostly(['api'], { ...env, PORT: String(await freePort()), METRICS_PORT: String(metricsPort) })
    return { url: (await lineMatching(api, /^Hostly listening on (http:\/\/\S+)/))[1], metrics: `http://127.0.0.1:${metricsPort}` }
  }))
  apis = started.map(s => s.url)
  metricsOf = started.map(s => s.metrics)
  hostly(['relay'], env)
  await consumersJoined(hostly(['worker', 'owner'], env), 2)
  proxy = await startProxy({ upstreams: apis.map(url => new URL(url).host), port: await freePort(), bindAddress: PROXY_ADDRESS })
})

after(async () => {
  await proxy?.stop()
  await db?.end()
  await cleanUp()
  await broker?.stop()
  if (broker) await rm(broker.dataDir, { recursive: true, force: true })
})

let lastHost = 1
/** A client on a machine of its own, reaching Hostly through the proxy (or base). */
const newClient = (base = proxy.url) => new ClientFrom(base, `127.0.0.${++lastHost}`)

function check (res: Reply, status: number, code?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  if (code) assert.equal(res.body.code, code)
}

async function register (client: ClientFrom, role: 'owner' | 'traveler' = 'traveler', headers: Record<string, string> = {}) {
  const email = `${role}-${lastHost}-${Date.now()}@example.com`
  const res = await client.request('POST', '/api/auth/register', { name: 'Pat Proxy', email, password: PASSWORD, role }, headers)
  return { res, email }
}

async function registered (client: ClientFrom, role: 'owner' | 'traveler' = 'traveler') {
  const { res, email } = await register(client, role)
  check(res, 201)
  client.user = res.body.user
  return email
}

const signIn = (client: ClientFrom, email: string, password: string, headers: Record<string, string> = {}) =>
  client.request('POST', '/api/auth/login', { email, password }, headers)

/** Failed sign-ins as PostgreSQL recorded them: client address → count, for the addresses given. */
async function failuresBy (clients: ClientFrom[]) {
  const { rows } = await db.query('SELECT client, count(*)::int AS n FROM login_failures WHERE client = ANY($1) GROUP BY client',
    [clients.map(c => c.localAddress)])
  return Object.fromEntries(rows.map(r => [r.client, r.n]))
}

async function registrationsBy (clients: ClientFrom[]) {
  const { rows } = await db.query('SELECT client, count(*)::int AS n FROM registrations WHERE client = ANY($1) GROUP BY client',
    [clients.map(c => c.localAddress)])
  return Object.fromEntries(rows.map(r => [r.client, r.n]))
}

/** Sign-ins each API process answered (its own /metrics), in the order of apis. */
const signInsAnswered = () => Promise.all(metricsOf.map(async url =>
  total((await scrape(url)).samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/login' }) ?? 0))

test('one client\'s failed sign-ins lock out that client only: another behind the same proxy signs in, whichever API answers', { skip }, async () => {
  const owner = newClient()
  const email = await registered(owner)
  const before = await signInsAnswered()

  const guesser = newClient()
  for (let i = 1; i <= 4; i++) check(await signIn(guesser, email, `guess number ${i}`), 401, 'INVALID_CREDENTIALS')
  check(await signIn(guesser, email, PASSWORD), 429, 'TOO_MANY_ATTEMPTS')
  check(await signIn(owner, email, PASSWORD), 200)
  const neighbour = newClient()
  check(await signIn(neighbour, email, 'another guess'), 401, 'INVALID_CREDENTIALS')

  assert.deepEqual(await failuresBy([owner, guesser, neighbour]), { [guesser.localAddress]: 4, [neighbour.localAddress]: 1 },
    'each failure is counted against the address of the client that made it, not the proxy\'s')
  const answered = (await signInsAnswered()).map((n, i) => n - before[i])
  assert.ok(answered.every(n => n > 0), `both API processes answered sign-ins (${answered}), and counted the same attempts`)
})

test('one client\'s sign-ups do not use up another\'s: the registration throttle counts each address behind the proxy', { skip }, async () => {
  const office = newClient()
  for (let i = 0; i < 3; i++) await registered(office)
  check((await register(office)).res, 429, 'TOO_MANY_ATTEMPTS')
  const neighbour = newClient()
  await registered(neighbour)
  assert.deepEqual(await registrationsBy([office, neighbour]), { [office.localAddress]: 3, [neighbour.localAddress]: 1 })
})

test('a client cannot pose as another by writing its own X-Forwarded-For, through the proxy or around it', { skip }, async () => {
  const target = newClient()
  const email = await registered(target)
  const locked = newClient()
  for (let i = 1; i <= 4; i++) check(await signIn(locked, email, `guess number ${i}`), 401)
  check(await signIn(locked, email, 'guess number 5'), 429, 'TOO_MANY_ATTEMPTS')

  // Locked out, it names a fresh address: nginx appends the real one, and that is the one the API counts.
  const fresh = `127.0.0.${++lastHost}`
  check(await signIn(locked, email, 'guess number 6', { 'x-forwarded-for': fresh }), 429, 'TOO_MANY_ATTEMPTS')
  check(await signIn(locked, email, 'guess number 7', { 'x-forwarded-for': `${fresh}, ${PROXY_ADDRESS}` }), 429, 'TOO_MANY_ATTEMPTS')
  // Another client names the locked-out address: it is neither locked out nor counted against that address.
  const sly = newClient()
  check(await signIn(sly, email, 'a guess', { 'x-forwarded-for': locked.localAddress }), 401, 'INVALID_CREDENTIALS')
  // Straight to an API process, around the proxy: its peer is not a trusted proxy, so the header is not read at all.
  const direct = newClient(apis[0])
  check(await signIn(direct, email, 'a guess', { 'x-forwarded-for': locked.localAddress }), 401, 'INVALID_CREDENTIALS')
  assert.deepEqual(await failuresBy([locked, sly, direct, new ClientFrom(proxy.url, fresh)]),
    { [locked.localAddress]: 4, [sly.localAddress]: 1, [direct.localAddress]: 1 })

  // The same for sign-ups: naming an address that has used up its registrations neither blocks nor counts against it.
  const office = newClient()
  for (let i = 0; i < 3; i++) await registered(office)
  const other = newClient()
  check((await register(other, 'traveler', { 'x-forwarded-for': office.localAddress })).res, 201)
  check((await register(office, 'traveler', { 'x-forwarded-for': other.localAddress })).res, 429, 'TOO_MANY_ATTEMPTS')
  assert.deepEqual(await registrationsBy([office, other]), { [office.localAddress]: 3, [other.localAddress]: 1 })
})

test('live updates (GET /api/live) pass through the proxy: sockets on both API processes get the owner\'s notification', { skip }, async () => {
  const owner = newClient()
  await registered(owner, 'owner')
  const property = await listProperty(owner)
  const traveler = newClient()
  await registered(traveler)

  // Round robin spreads the upgrades: open sockets until each API process holds one (its hostly_live_sockets).
  const sockets: LiveSocket[] = []
  const liveOn = () => Promise.all(metricsOf.map(async url => total((await scrape(url)).samples, 'hostly_live_sockets') ?? 0))
  await waitFor('a live socket on each API process', async () => {
    const live = await openLive(proxy.url, owner, '', { origin: proxy.url })
    sockets.push(live)
    await live.next('ready', m => m.type === 'ready')
    return (await liveOn()).every(n => n > 0)
  }, 30_000, 0)
  assert.ok(sockets.length <= 6, `${sockets.length} sockets`)

  const booking = await book(traveler, property.id, 20, 2)
  for (const live of sockets) {
    const { notification } = await live.next('the request', m => m.type === 'notification', 30_000)
    assert.equal(notification.booking_id, booking.id)
    assert.equal(notification.type, 'booking_requested')
  }
  await Promise.all(sockets.map(s => s.close()))
})
