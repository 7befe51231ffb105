import { Admin } from '@platformatic/kafka'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, describe, test, type TestContext } from 'node:test'
import pg from 'pg'
import { freePort } from '../src/kafka/local/broker.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import {
  cleanUp, consumersJoined, databases, hostly, javaProcessesUsing, lineMatching, logs, newDatabaseUrl, output, run, stop, tempDir
} from './helpers/processes.ts'
import { freshBroker, freshDatabase } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Real `hostly` processes and the brokers they start or are given: hostly kafka (one node, three), hostly start
// with a broker of its own or KAFKA_BROKERS, split processes. Apart from test/cli.test.ts so the two run in parallel.

after(cleanUp)

async function portIsFree (port: number): Promise<boolean> {
  const server = createServer()
  return new Promise(resolve => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function clusterId (dataDir: string): Promise<string> {
  const meta = await readFile(join(dataDir, 'data', 'meta.properties'), 'utf8')
  return meta.match(/^cluster\.id=(.+)$/m)![1]
}

async function brokerAnswers (brokers: string): Promise<boolean> {
  const admin = new Admin({ clientId: 'cli-test', bootstrapBrokers: [brokers], retries: 0 })
  try {
    return (await admin.metadata({ topics: [] })).brokers.size > 0
  } finally {
    await admin.close()
  }
}

async function notificationCount (databaseUrl: string, bookingId: number, type: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM notifications WHERE booking_id = $1 AND type = $2', [bookingId, type])
    return rows[0].n
  } finally {
    await client.end()
  }
}

// ---- the tests

test('hostly kafka formats its folder, stops on SIGTERM with its JVM, and reuses the folder', { timeout: 120_000 }, async (t: TestContext) => {
  const dataDir = await tempDir()
  const port = await freePort()
  const brokers = `127.0.0.1:${port}`

  let started = Date.now()
  const first = hostly(['kafka', '--port', String(port), '--data-dir', dataDir])
  await lineMatching(first, /"msg":"Kafka broker ready"/)
  t.diagnostic(`hostly kafka on an empty folder: ready in ${Date.now() - started} ms`)
  assert.equal(logs(first.out).find(l => l.msg === 'Kafka broker ready')!.brokers, brokers)
  assert.ok(await brokerAnswers(brokers))
  assert.ok(existsSync(join(dataDir, 'data', 'meta.properties')), 'formatted')
  const id = await clusterId(dataDir)
  assert.equal(javaProcessesUsing(dataDir).length, 1)

  const exit = await stop(first, 'SIGTERM', { twice: true })
  t.diagnostic(`hostly kafka: exited ${exit.ms} ms after SIGTERM`)
  assert.deepEqual([exit.code, exit.signal], [0, null], output(first))
  assert.deepEqual(javaProcessesUsing(dataDir), [], 'no JVM left behind')

  // Again, this time through bin/hostly.js, as the installed command runs, on this Node (24: no hand-over),
  // and stopped by Ctrl+C, which the terminal sends to the whole process group.
  started = Date.now()
  const second = hostly(['kafka', '--port', String(port), '--data-dir', dataDir], {}, { viaBin: process.execPath })
  await lineMatching(second, /"msg":"Kafka broker ready"/)
  t.diagnostic(`hostly kafka on a formatted folder (via bin/hostly.js on ${process.version}): ready in ${Date.now() - started} ms`)
  assert.equal(logs(second.out)[0].pid, second.child.pid, 'on Node 24 bin/hostly.js runs the CLI in its own process')
  assert.ok(await brokerAnswers(brokers))
  assert.equal(await clusterId(dataDir), id, 'the same cluster, not a new format')
  const again = await stop(second, 'SIGINT', { group: true })
  assert.deepEqual([again.code, again.signal], [0, null], output(second))
  assert.deepEqual(javaProcessesUsing(dataDir), [])

  // A SIGTERM to hostly alone while its JVM starts: it stops the broker once started and exits 0. Before it
  // listened for signals at start, the signal ended the process and left the JVM running.
  const third = hostly(['kafka', '--port', String(port), '--data-dir', dataDir])
  await waitFor('the JVM started', () => javaProcessesUsing(dataDir).length === 1, 30_000, 20)
  const early = await stop(third, 'SIGTERM', { timeoutMs: 60_000 })
  assert.deepEqual([early.code, early.signal], [0, null], output(third))
  assert.deepEqual(javaProcessesUsing(dataDir), [], 'no JVM left behind')
})

/** n consecutive free ports (for hostly kafka --nodes n, which takes them from --port up). */
async function consecutiveFreePorts (n: number): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const first = await freePort()
    if (first + n - 1 > 65535) continue
    const free = await Promise.all(Array.from({ length: n }, (_, i) => portIsFree(first + i)))
    if (free.every(Boolean)) return first
  }
  throw new Error(`no ${n} consecutive free ports found`)
}

test('hostly kafka --nodes 3 runs a cluster on consecutive ports, a folder per node; SIGTERM takes every JVM; the folder keeps its node count', { timeout: 300_000 }, async (t: TestContext) => {
  const bad = await run(['kafka', '--nodes', 'three'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^hostly: --nodes must be a number of nodes from 1 to 9, got "three"/)

  const dataDir = await tempDir()
  const port = await consecutiveFreePorts(3)
  const brokers = [0, 1, 2].map(i => `127.0.0.1:${port + i}`).join(',')
  const started = Date.now()
  const cluster = hostly(['kafka', '--nodes', '3', '--port', String(port), '--data-dir', dataDir])
  await lineMatching(cluster, /"msg":"Kafka cluster ready: KAFKA_BROKERS=/, 240_000)
  t.diagnostic(`hostly kafka --nodes 3 on an empty folder: ready in ${Date.now() - started} ms`)
  assert.equal(logs(cluster.out).find(l => /^Kafka cluster ready/.test(l.msg))!.brokers, brokers)
  const admin = new Admin({ clientId: 'cli-test', bootstrapBrokers: brokers.split(','), retries: 0 })
  try {
    assert.deepEqual([...(await admin.metadata({ topics: [] })).brokers.keys()].sort(), [1, 2, 3])
  } finally {
    await admin.close()
  }
  assert.deepEqual(readdirSync(dataDir).sort(), ['cluster.json', 'node-1', 'node-2', 'node-3'])
  assert.equal(javaProcessesUsing(dataDir).length, 3)

  const exit = await stop(cluster, 'SIGTERM', { timeoutMs: 60_000 })
  t.diagnostic(`hostly kafka --nodes 3: exited ${exit.ms} ms after SIGTERM`)
  assert.deepEqual([exit.code, exit.signal], [0, null], output(cluster))
  assert.deepEqual(javaProcessesUsing(dataDir), [], 'no JVM left behind')

  const other = await run(['kafka', '--nodes', '2', '--port', String(port), '--data-dir', dataDir])
  assert.equal(other.code, 2)
  assert.match(other.stderr, /holds a 3-node cluster, not 2: use --nodes 3 or another folder/)
  assert.deepEqual(javaProcessesUsing(dataDir), [])
})

/**
 * /readyz answers 200 within 30 s. Not at once: its Kafka check gives the broker 2 s to answer, and a broker just
 * started from a formatted folder on a busy machine took longer once (503 right after "listening").
 */
const ready = (url: string) => waitFor(`${url}/readyz to answer 200`, async () => (await fetch(`${url}/readyz`)).status === 200, 30_000)

test('hostly start without KAFKA_BROKERS runs everything with a broker of its own, and takes it down on exit', { timeout: 180_000 }, async (t: TestContext) => {
  const dataDir = join(await tempDir(), 'kafka')
  const env = {
    PORT: String(await freePort()),
    KAFKA_PORT: String(await freePort()),
    KAFKA_DATA_DIR: dataDir,
    DATABASE_URL: newDatabaseUrl(),
    KAFKA_SESSION_TIMEOUT_MS: '6000'
  }

  let started = Date.now()
  const first = hostly(['start'], env)
  const [, url] = await lineMatching(first, /^Hostly listening on (http:\/\/\S+)/)
  t.diagnostic(`hostly start, fresh data folder and database: "listening" after ${Date.now() - started} ms`)
  assert.equal(url, `http://127.0.0.1:${env.PORT}`)
  // It says who can reach it, and that the caught e-mail is this machine's only (the tests' HOST is 127.0.0.1).
  await lineMatching(first, /^Hostly listening on \S+ \(this machine only, HOST=127\.0\.0\.1; API docs: /)
  await lineMatching(first, /^E-mail is caught locally \(no SMTP_URL\): \S+\/dev\/mail, served to this machine only/)
  await ready(url)

  // The API, the relay and the owner consumer all run in this one process.
  const owner = await signUp(url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(url, 'traveler')
  const booking = await book(traveler, property.id, 20)
  const note = await waitFor('the owner notification', async () => (await owner.get('/api/notifications')).body.notifications[0], 30_000)
  assert.equal(note.booking_id, booking.id)
  assert.equal(note.type, 'booking_requested')

  // SIGINT to the process alone: it must stop its broker itself.
  await consumersJoined(first)
  const exit = await stop(first, 'SIGINT')
  t.diagnostic(`hostly start: exited ${exit.ms} ms after SIGINT`)
  assert.deepEqual([exit.code, exit.signal], [0, null], output(first))
  assert.deepEqual(javaProcessesUsing(dataDir), [], 'no JVM left behind')
  assert.ok(await portIsFree(Number(env.PORT)), 'HTTP port free again')
  assert.ok(await portIsFree(Number(env.KAFKA_PORT)), 'Kafka port free again')

  // Again on the same folder and database, stopped by Ctrl+C as a terminal sends it: SIGINT to the whole
  // process group, so the JVM gets it too.
  started = Date.now()
  const second = hostly(['start'], env)
  await lineMatching(second, /^Hostly listening on/)
  t.diagnostic(`hostly start, formatted data folder: "listening" after ${Date.now() - started} ms`)
  await ready(url)
  assert.equal((await owner.get('/api/notifications')).body.notifications[0].id, note.id, 'same database, same session')
  await consumersJoined(second)
  const ctrlC = await stop(second, 'SIGINT', { group: true })
  t.diagnostic(`hostly start: exited ${ctrlC.ms} ms after Ctrl+C`)
  assert.deepEqual([ctrlC.code, ctrlC.signal], [0, null], output(second))
  assert.deepEqual(javaProcessesUsing(dataDir), [])
  assert.ok(await portIsFree(Number(env.PORT)))
})

describe('with a broker of the test\'s own', () => {
  let broker: Awaited<ReturnType<typeof freshBroker>> | undefined
  const sharedBroker = async () => (broker ??= await freshBroker())
  after(async () => {
    await broker?.stop()
    if (broker) await rm(broker.dataDir, { recursive: true, force: true })
  })

  test('hostly start with KAFKA_BROKERS starts no broker of its own', { timeout: 120_000 }, async () => {
    const { brokers } = await sharedBroker()
    const dataDir = join(await tempDir(), 'kafka')
    const p = hostly(['start'], {
      PORT: String(await freePort()),
      KAFKA_BROKERS: brokers,
      KAFKA_DATA_DIR: dataDir,
      DATABASE_URL: newDatabaseUrl(),
      KAFKA_SESSION_TIMEOUT_MS: '6000'
    })
    const [, url] = await lineMatching(p, /^Hostly listening on (http:\/\/\S+)/)
    assert.equal((await fetch(`${url}/readyz`)).status, 200, 'Kafka reachable: the given one')
    await lineMatching(p, /"msg":"Kafka topics ready"/)
    await consumersJoined(p)
    assert.deepEqual(javaProcessesUsing(dataDir), [])
    assert.equal(existsSync(dataDir), false, 'the data folder is never touched')
    assert.equal(logs(p.out).some(l => /local broker/.test(l.msg)), false)
    const exit = await stop(p, 'SIGTERM')
    assert.deepEqual([exit.code, exit.signal], [0, null], output(p))
  })

  test('split processes (api, relay, 2 owner workers, 1 traveler worker) notify exactly once, and stop on SIGTERM', { timeout: 180_000 }, async (t: TestContext) => {
    const { brokers } = await sharedBroker()
    const databaseUrl = await freshDatabase()
    databases.push(databaseUrl)
    const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, KAFKA_SESSION_TIMEOUT_MS: '6000', RELAY_POLL_MS: '200' }
    const api = hostly(['api'], { ...env, PORT: String(await freePort()) })
    const relay = hostly(['relay'], env)
    const owners = [hostly(['worker', 'owner'], env), hostly(['worker', 'owner'], env)]
    const travelers = [hostly(['worker', 'traveler'], env)]
    const all = [api, relay, ...owners, ...travelers]

    const [, url] = await lineMatching(api, /^Hostly listening on (http:\/\/\S+)/)
    await Promise.all([...owners, ...travelers].map(w => lineMatching(w, /"msg":"Kafka consumer: joined group"/)))
    assert.equal(logs(api.out).some(l => /Kafka/.test(l.msg)), false, 'the API alone never talks to Kafka')

    const owner = await signUp(url, 'owner')
    const property = await listProperty(owner)
    const traveler = await signUp(url, 'traveler')
    const booking = await book(traveler, property.id, 10)

    await waitFor('the owner notification', () => notificationCount(databaseUrl, booking.id, 'booking_requested'))
    await waitFor('the owner group to commit', () => groupCaughtUp([brokers], 'owner-service-group', 'booking-created'))
    assert.equal(await notificationCount(databaseUrl, booking.id, 'booking_requested'), 1)

    assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
    await waitFor('the traveler notification', () => notificationCount(databaseUrl, booking.id, 'booking_accepted'))
    await waitFor('the traveler group to commit', () => groupCaughtUp([brokers], 'traveler-service-group', 'booking-status-updated'))
    assert.equal(await notificationCount(databaseUrl, booking.id, 'booking_accepted'), 1)
    assert.equal(await notificationCount(databaseUrl, booking.id, 'booking_requested'), 1, 'still once')

    const exits = await Promise.all(all.map(p => stop(p, 'SIGTERM')))
    t.diagnostic(`split processes: exited ${exits.map(e => e.ms).join(', ')} ms after SIGTERM (api, relay, owner, owner, traveler)`)
    exits.forEach((exit, i) => assert.deepEqual([exit.code, exit.signal], [0, null], output(all[i])))
  })
})
