import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import pg from 'pg'
import { freePort } from '../src/kafka/local/broker.ts'
import {
  cleanUp, databases, hostly, ROOT, lineMatching, logs, newDatabaseUrl, olderNode, output, run, stop
} from './helpers/processes.ts'
import { freshDatabase } from './helpers/stack.ts'

// Real `hostly` processes, as a developer or Kubernetes starts them: exit codes, signals, schema checks, logs.
// hostly kafka and hostly start with the brokers are in test/cli-kafka.test.ts (the two files run in parallel).

after(cleanUp)

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
  // The API checks the unsubscribe links the e-mail worker signs: neither starts without the key they share.
  for (const args of [['api'], ['worker', 'email']]) {
    const unsigned = await run(args, { UNSUBSCRIBE_KEY: '' })
    assert.equal(unsigned.code, 2)
    assert.match(unsigned.stderr, new RegExp(`^hostly: UNSUBSCRIBE_KEY is required by hostly ${args.join(' ')}`))
  }
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
    ['account_emails', 'account_tokens', 'analytics_bookings', 'analytics_daily', 'analytics_talk', 'booking_history', 'bookings', 'email_messages', 'favorites',
      'login_failures', 'messages', 'notifications', 'outbox', 'outbox_relay', 'processed_events', 'properties', 'property_blocks', 'property_photos', 'property_ratings', 'registrations',
      'reset_requests', 'reviews', 'schema_functions', 'schema_migrations', 'search_terms', 'sessions', 'taken_nights', 'thread_parties', 'threads',
      'user_preferences', 'users'])

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
  await refusals(/^hostly: the database is not at this version of Hostly: stored functions missing or different: bookings\/booking\.sql, auth\/throttle\.sql, reviews\/review\.sql\./)
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

test('a worker stops on SIGTERM while Kafka is unreachable (its consumer still connecting)', { timeout: 60_000 }, async () => {
  const databaseUrl = await freshDatabase()
  databases.push(databaseUrl)
  const p = hostly(['worker', 'owner'], { DATABASE_URL: databaseUrl, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` })
  await lineMatching(p, /"msg":"Kafka unreachable/)
  // 15 s: it stops at once, but a run at load 20 once took over 5 s to get there.
  const exit = await stop(p, 'SIGTERM', { timeoutMs: 15_000 })
  assert.deepEqual([exit.code, exit.signal], [0, null], output(p))
})
