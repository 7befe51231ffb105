import assert from 'node:assert/strict'
import { after, before, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { freePort } from '../src/kafka/local/broker.ts'
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts'
import { Client, listProperty, signUp, type Reply } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { cleanUp, consumersJoined, hostly, lineMatching, output, stop, type Hostly } from './helpers/processes.ts'
import { followLive } from './helpers/live.ts'
import { smtpSink } from './helpers/smtp.ts'
import { freshBroker } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// PostgreSQL faults against every kind of Hostly process at once, under steady load: backends terminated every
// 10–20 ms in repeated bursts, and the server restarted. A fault that reaches a connection while nobody listens
// for its errors ends the process (an unhandled 'error' event); at this rate of terminations every connection a
// process holds, pooled, dedicated, idle or just opened, is hit many times, so such a gap shows itself at once
// rather than by luck of timing. The server is one of the test's own: restarting the machine's would fail every
// other test running meanwhile.

const KINDS = ['start', 'api', 'relay', 'worker owner', 'worker traveler', 'worker email', 'worker analytics'] as const
type Kind = typeof KINDS[number]

let server: PostgresServer
let broker: Awaited<ReturnType<typeof freshBroker>>
let smtp: Awaited<ReturnType<typeof smtpSink>>
let db: pg.Pool
let databaseUrl: string
const processes = new Map<Kind, Hostly>()
const apis: string[] = []

before(async () => {
  ;[server, broker, smtp] = await Promise.all([startPostgresServer(), freshBroker(), smtpSink()])
  databaseUrl = server.url('hostly')
  const env = (more: Record<string, string> = {}) => ({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    RELAY_POLL_MS: '200',
    SMTP_URL: smtp.url,
    ...more
  })
  // `start` migrates; the others refuse a database that is not at their version, so they come after it.
  const start = hostly(['start'], env({ PORT: String(await freePort()) }))
  processes.set('start', start)
  apis.push((await lineMatching(start, /^Hostly listening on (http:\/\/\S+)/))[1])
  await consumersJoined(start, 8) // four services, each with a member on its topic and one on its retry lane
  for (const kind of KINDS.slice(1)) processes.set(kind, hostly(kind.split(' '), env({ PORT: String(await freePort()) })))
  apis.push((await lineMatching(processes.get('api')!, /^Hostly listening on (http:\/\/\S+)/))[1])
  await lineMatching(processes.get('relay')!, /Kafka topics ready/)
  for (const kind of KINDS.filter(k => k.startsWith('worker'))) await consumersJoined(processes.get(kind)!, 2)
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  db.on('error', () => {}) // its idle connections are terminated too
})

const openTabs: Array<ReturnType<typeof followLive>> = []
after(async () => {
  for (const tab of openTabs) tab.close()
  await db?.end()
  await cleanUp()
  await Promise.all([broker?.stop(), server?.stop(), smtp?.stop()])
})

interface Outcome { what: 'request' | 'accept', reply?: Reply, error?: Error }

/**
 * Bookings requested every `everyMs` through both APIs in turn, a stay of its own each (so that no request
 * conflicts with an accepted one), and every third created booking accepted by its owner.
 */
async function steadyLoad (everyMs: number) {
  const owner = await signUp(apis[0], 'owner')
  const traveler = await signUp(apis[0], 'traveler')
  const properties = await Promise.all([0, 1, 2, 3].map(() => listProperty(owner, { max_guests: 4 })))
  // Each party's tab open throughout, on one API each, resuming when its socket drops.
  const tabs = [followLive(apis[0], owner), followLive(apis[1], traveler)]
  openTabs.push(...tabs)
  const people = [owner, traveler]
  // One session, usable on either API: sessions live in PostgreSQL.
  const as = (who: Client, base: string) => Object.assign(new Client(base), { cookie: who.cookie })
  const travelers = apis.map(base => as(traveler, base))
  const owners = apis.map(base => as(owner, base))
  const outcomes: Outcome[] = []
  const inFlight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => { inFlight.add(p); void p.finally(() => inFlight.delete(p)) }
  let stopped = false
  let i = 0
  const send = async (what: Outcome['what'], call: () => Promise<Reply>) => {
    const outcome: Outcome = await call().then(reply => ({ what, reply }), error => ({ what, error }))
    outcomes.push(outcome)
    return outcome.reply
  }
  const request = async (n: number) => {
    const property = properties[Math.floor(n / 600) % properties.length]
    const reply = await send('request', () =>
      travelers[n % 2].post('/api/bookings', { property_id: property.id, ...stay(1 + (n % 600), 1), num_guests: 1 }))
    if (reply?.status === 201 && n % 3 === 0) {
      await send('accept', () => owners[(n + 1) % 2].post(`/api/bookings/${reply.body.booking.id}/accept`))
    }
  }
  const loop = (async () => {
    while (!stopped && i < 2400) { // eslint-disable-line no-unmodified-loop-condition -- stop() sets it
      track(request(i++))
      await sleep(everyMs)
    }
  })()
  return {
    async stop () {
      stopped = true
      await loop
      await Promise.all(inFlight)
      return outcomes
    },
    /** Every notification of each party reached their tab once (waits for the last ones), then closes the tabs. */
    async assertLivePushed () {
      for (const [i, person] of people.entries()) {
        const ids = async () => (await db.query('SELECT id FROM notifications WHERE user_id = $1', [person.user!.id])).rows.map(r => Number(r.id))
        await waitFor(`every notification of ${person.user!.role} on their tab`, async () => (await ids()).every(id => tabs[i].received.has(id)), 60_000, 500)
        const doubled = [...tabs[i].received].filter(([, n]) => n > 1)
        assert.deepEqual(doubled, [], `${person.user!.role}: none twice`)
        tabs[i].close()
      }
    }
  }
}

/** Terminates every backend of Hostly's database every 10–20 ms for `ms`, from a connection to another database. */
async function terminateBackends (ms: number) {
  const admin = new pg.Client({ connectionString: server.url('postgres') })
  await admin.connect()
  let rounds = 0
  let terminated = 0
  const until = Date.now() + ms
  while (Date.now() < until) {
    const { rows } = await admin.query(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
                                          FROM pg_stat_activity WHERE datname = 'hostly'`)
    terminated += rows[0].n
    rounds++
    await sleep(10 + Math.random() * 10)
  }
  await admin.end()
  return { rounds, terminated }
}

/** Every process still running: none exited because of a fault. */
function assertAllRunning () {
  for (const [kind, p] of processes) {
    assert.equal(p.child.exitCode, null, `hostly ${kind} exited:\n${output(p).split('\n').slice(-45).join('\n')}`)
    assert.equal(p.child.signalCode, null, `hostly ${kind} was killed`)
  }
}

/** Every answer a 2xx or a 503 that says when to come back; each API serves again at once once the faults stop. */
async function assertAnswered (t: TestContext, outcomes: Outcome[]) {
  const counts: Record<string, number> = {}
  for (const { what, reply, error } of outcomes) {
    if (!reply) throw new Error(`${what}: no answer`, { cause: error })
    counts[`${what} ${reply.status}`] = (counts[`${what} ${reply.status}`] ?? 0) + 1
    if (reply.status === 503) {
      assert.equal(reply.body.code, 'DATABASE_UNAVAILABLE')
      assert.match(reply.headers.get('retry-after') ?? '', /^\d+$/, 'a 503 says when to come back')
    } else {
      assert.equal(reply.status, what === 'request' ? 201 : 200, `${what}: ${JSON.stringify(reply.body)}`)
    }
  }
  t.diagnostic(`answers: ${JSON.stringify(counts)}`)
  assert.ok((counts['request 503'] ?? 0) > 0, 'the faults were felt by the API')
  const owner = await signUp(apis[0], 'owner')
  const property = await listProperty(owner)
  for (const base of apis) {
    const traveler = await signUp(base, 'traveler')
    const reply = await traveler.post('/api/bookings', { property_id: property.id, ...stay(700, 2), num_guests: 1 })
    assert.equal(reply.status, 201, `recovered without a restart: ${base}`)
  }
}

/**
 * Every booking created was told to its owner once, every acceptance to its traveler once, every one of those by
 * one e-mail, and counted once by analytics: nothing lost, nothing doubled, through all the faults.
 */
async function assertDeliveredOnce (t: TestContext) {
  const count = async (sql: string) => (await db.query(sql)).rows[0].n as number
  const bookings = await count('SELECT count(*)::int AS n FROM bookings')
  const accepted = await count("SELECT count(*)::int AS n FROM bookings WHERE status = 'accepted'")
  const notifications = () => db.query(`SELECT type, count(*)::int AS n, count(DISTINCT booking_id)::int AS bookings
                                          FROM notifications GROUP BY type`)
  await waitFor('every booking and acceptance notified', async () => {
    const { rows } = await notifications()
    const of = (type: string) => rows.find(r => r.type === type)?.bookings ?? 0
    return of('booking_requested') === bookings && of('booking_accepted') === accepted
  }, 120_000, 500)
  for (const { type, n, bookings } of (await notifications()).rows) assert.equal(n, bookings, `${type}: one notification per booking`)
  const sent = await count('SELECT count(*)::int AS n FROM notifications')
  await waitFor('an e-mail for every notification', () => new Set(smtp.received.map(m => m.messageId)).size >= sent, 120_000, 500)
  await waitFor('analytics to count every request and acceptance', async () => {
    const { rows: [figures] } = await db.query('SELECT coalesce(sum(requests), 0)::int AS requests, coalesce(sum(accepted), 0)::int AS accepted FROM analytics_daily')
    return figures.requests === bookings && figures.accepted === accepted
  }, 120_000, 500)
  for (const [group, topic] of [['owner-service-group', 'booking-created'], ['traveler-service-group', 'booking-status-updated']]) {
    await waitFor(`${group} to commit all`, () => groupCaughtUp([broker.brokers], group, topic), 60_000)
  }
  const messageIds = smtp.received.map(m => m.messageId)
  const distinct = new Set(messageIds).size
  assert.equal(distinct, sent, 'one e-mail per notification')
  // A fault between the SMTP server's acceptance and the row's mark sends the message again, with the same
  // Message-ID, so that a mail system sees one message (docs/reliability.md): counted, not refused.
  t.diagnostic(`delivered: ${JSON.stringify({ bookings, accepted, notifications: sent, emails: distinct, resent: messageIds.length - distinct })}`)
}

test('backends terminated every 10–20 ms, in three bursts of 10 s, under load: no process exits, every request answered, every booking notified once', { timeout: 300_000 }, async t => {
  const load = await steadyLoad(30)
  let outcomes: Outcome[] = []
  try {
    for (let burst = 0; burst < 3; burst++) {
      await sleep(3000) // load between the bursts, while every connection is opened again
      const figures = await terminateBackends(10_000)
      t.diagnostic(`burst ${burst + 1}: ${JSON.stringify(figures)}`)
      assertAllRunning()
    }
    await sleep(2000)
  } finally {
    outcomes = await load.stop() // also when a process died: no request outlives the test
  }
  assertAllRunning()
  await assertAnswered(t, outcomes)
  await assertDeliveredOnce(t)
  await load.assertLivePushed()
  assertAllRunning()
})

test('the PostgreSQL server restarted twice under load: no process exits, every request answered, every booking notified once', { timeout: 300_000 }, async t => {
  const load = await steadyLoad(30)
  let outcomes: Outcome[] = []
  try {
    for (let restart = 0; restart < 2; restart++) {
      await sleep(4000)
      const started = Date.now()
      await server.restart()
      t.diagnostic(`restart ${restart + 1}: ${Date.now() - started} ms`)
      assertAllRunning()
    }
    await sleep(4000)
  } finally {
    outcomes = await load.stop() // also when a process died: no request outlives the test
  }
  assertAllRunning()
  await assertAnswered(t, outcomes)
  await assertDeliveredOnce(t)
  await load.assertLivePushed()
  // Each kind of process stops cleanly after all of it.
  for (const [kind, p] of processes) assert.equal((await stop(p, 'SIGTERM')).code, 0, `hostly ${kind}:\n${output(p)}`)
})
