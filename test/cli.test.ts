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
  cleanUp, consumersJoined, databases, hostly, ROOT, javaProcessesUsing, lineMatching, logs, newDatabaseUrl, olderNode, output, run, stop, tempDir
} from './helpers/processes.ts'
import { freshBroker, freshDatabase } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Real `hostly` processes, as a developer or Kubernetes starts them: exit codes, signals, the local broker.

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

test('every command explains itself; bad commands and settings exit non-zero with a message', async () => {
  const says: Record<string, RegExp> = {
    start: /all of Hostly in one process/,
    api: /HTTP API/,
    relay: /outbox relay/,
    worker: /consumer service/,
    migrate: /migrations/,
    kafka: /Kafka broker/
  }
  await Promise.all(Object.entries(says).map(async ([command, what]) => {
    const { code, stdout } = await run([command, '--help'])
    assert.equal(code, 0, command)
    assert.match(stdout, new RegExp(`^hostly ${command}`), command)
    assert.match(stdout, what, command)
  }))

  const unknown = await run(['frobnicate'])
  assert.notEqual(unknown.code, 0)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)
  assert.match(unknown.stderr, /Usage: hostly <command>/)

  const worker = await run(['worker', 'nope'])
  assert.equal(worker.code, 2)
  assert.match(worker.stderr, /hostly worker needs one of: owner, traveler/)

  const option = await run(['start', '--bogus'])
  assert.equal(option.code, 2)
  assert.match(option.stderr, /^hostly: Unknown option '--bogus'/)
  assert.match(option.stderr, /Usage: hostly <command>/)
  assert.doesNotMatch(option.stderr, /\n\s+at /, 'a message, not a stack trace')

  const port = await run(['api'], { PORT: 'abc' })
  assert.equal(port.code, 2)
  assert.match(port.stderr, /PORT must be an integer .* got "abc"/)
  assert.doesNotMatch(port.stderr, /\n\s+at /, 'a message, not a stack trace')

  // Replicas of hostly api read each other's cursors: it does not start without the key they share.
  const keyless = await run(['api'], { CURSOR_KEY: '' })
  assert.equal(keyless.code, 2)
  assert.match(keyless.stderr, /^hostly: CURSOR_KEY is required by hostly api/)
  const short = await run(['api'], { CURSOR_KEY: 'too short' })
  assert.equal(short.code, 2)
  assert.match(short.stderr, /CURSOR_KEY must be at least 32 characters/)
})

test('hostly migrate creates a missing database and its tables, and is a no-op the second time', async () => {
  const databaseUrl = newDatabaseUrl()
  const first = await run(['migrate'], { DATABASE_URL: databaseUrl })
  assert.equal(first.code, 0, first.stderr)
  const migrations = readdirSync(join(ROOT, 'src', 'db', 'migrations')).sort()
  assert.deepEqual(logs(first.lines).find(l => l.msg === 'migrations applied')?.applied, migrations)

  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const { rows } = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
  await client.end()
  assert.deepEqual(rows.map(r => r.tablename),
    ['analytics_bookings', 'analytics_daily', 'bookings', 'email_messages', 'login_failures', 'notifications', 'outbox', 'processed_events', 'properties', 'registrations', 'schema_functions', 'schema_migrations', 'search_terms', 'sessions', 'user_preferences', 'users'])

  const again = await run(['migrate'], { DATABASE_URL: databaseUrl })
  assert.equal(again.code, 0, again.stderr)
  const line = logs(again.lines).find(l => l.msg === 'database up to date')
  assert.deepEqual(line?.applied, [])
})

test('hostly api, relay and worker change no schema: on a database not at their version they exit 1 with what to run', async () => {
  const databaseUrl = newDatabaseUrl()
  const name = new URL(databaseUrl).pathname.slice(1)
  // Kafka is never reached: the check comes first.
  const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: `127.0.0.1:${await freePort()}`, PORT: String(await freePort()) }
  const commands = [['api'], ['relay'], ['worker', 'owner']]
  const refusals = async (pattern: RegExp) => {
    for (const command of commands) {
      const { code, stderr } = await run(command, env)
      assert.equal(code, 1, `${command.join(' ')}: ${stderr}`)
      assert.match(stderr, pattern, command.join(' '))
      assert.match(stderr, /Run "hostly migrate"/, command.join(' '))
      assert.doesNotMatch(stderr, /\n\s+at /, 'a message, not a stack trace')
    }
  }
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  await admin.connect()
  try {
    await refusals(new RegExp(`^hostly: database "${name}" does not exist`))
    assert.equal((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount, 0, 'no process created it')

    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
    await refusals(/^hostly: the database is not at this version of Hostly: migrations not applied: 001_init\.sql, .*stored functions missing or different: bookings\/booking\.sql/)
  } finally {
    await admin.end()
  }

  assert.equal((await run(['migrate'], env)).code, 0)
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  await client.query("UPDATE schema_functions SET sha256 = 'an older version'")
  await client.end()
  await refusals(/^hostly: the database is not at this version of Hostly: stored functions missing or different: bookings\/booking\.sql, auth\/throttle\.sql\./)
})

test('logs are JSON lines when stdout is not a terminal, and readable lines with --pretty or LOG_PRETTY=true', async () => {
  const databaseUrl = newDatabaseUrl()
  const flag = await run(['migrate', '--pretty'], { DATABASE_URL: databaseUrl })
  assert.equal(flag.code, 0, flag.stderr)
  assert.match(flag.stdout, /^\[[\d:.]+\] INFO \(hostly\): migrations applied$/m)
  assert.deepEqual(logs(flag.lines), [], 'no JSON line')

  const setting = await run(['migrate'], { DATABASE_URL: databaseUrl, LOG_PRETTY: 'true' })
  assert.match(setting.stdout, /^\[[\d:.]+\] INFO \(hostly\): database up to date$/m)

  const piped = await run(['migrate'], { DATABASE_URL: databaseUrl, LOG_PRETTY: '' })
  assert.deepEqual(logs(piped.lines).map(l => [l.level, l.name, l.msg]), [[30, 'hostly', 'database up to date']])
})

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

const older = olderNode()
test(`bin/hostly.js started by an older Node (${older?.version ?? 'none found'}) hands over to the pinned Node 24, which serves; Ctrl+C stops both with exit 0`, {
  timeout: 60_000,
  skip: older ? false : 'no Node.js older than 24 on PATH, so there is nothing to hand over from (bin/hostly.js on Node 24 is tested above)'
}, async () => {
  const databaseUrl = newDatabaseUrl()
  assert.equal((await run(['migrate'], { DATABASE_URL: databaseUrl })).code, 0, 'hostly api changes no schema: migrate first')
  const p = hostly(['api'], { PORT: String(await freePort()), DATABASE_URL: databaseUrl }, { viaBin: older!.path })
  await lineMatching(p, /^Hostly listening on http:/)
  // src/cli.ts is TypeScript, which Node before 22.6 cannot even load: that it serves proves the hand-over,
  // and the pid of its log lines shows a child of the launcher.
  const pids = new Set(logs(p.out).map(l => l.pid))
  assert.equal(pids.size, 1, output(p))
  assert.notEqual([...pids][0], p.child.pid, 'the API runs in the pinned Node, a child of the launcher')
  // The launcher and the CLI both get SIGINT from the terminal, and the CLI one more from the launcher.
  const exit = await stop(p, 'SIGINT', { group: true })
  assert.deepEqual([exit.code, exit.signal], [0, null], output(p))
})

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
  assert.equal((await fetch(`${url}/readyz`)).status, 200)

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
  assert.equal((await fetch(`${url}/readyz`)).status, 200)
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

test('a worker stops on SIGTERM while Kafka is unreachable (its consumer still connecting)', { timeout: 60_000 }, async () => {
  const databaseUrl = await freshDatabase()
  databases.push(databaseUrl)
  const p = hostly(['worker', 'owner'], { DATABASE_URL: databaseUrl, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` })
  await lineMatching(p, /"msg":"Kafka unreachable/)
  const exit = await stop(p, 'SIGTERM', { timeoutMs: 5000 })
  assert.deepEqual([exit.code, exit.signal], [0, null], output(p))
})
