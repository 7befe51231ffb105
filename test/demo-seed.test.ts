import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DEMO_PASSWORD, demoEmail } from '../src/demo/seed.ts'
import { Client, signUp } from './helpers/http.ts'
import { run } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// hostly seed --demo: an empty database gets people, places and bookings in every state, made through the booking
// functions, so the events reach the running services; twice is once; a database with real users is refused.

let stack: Stack
before(async () => {
  stack = await startStack({ pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'analytics'] } })
})
after(async () => { await stack?.stop() })

const count = async (sql: string) => (await stack.db.query(sql)).rows[0].n as number

test('seed --demo fills an empty database with bookings in every state, whose events reach the services', async () => {
  const first = await run(['seed', '--demo'], { DATABASE_URL: stack.databaseUrl })
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout, new RegExp(`Demo seeded\\. Sign in as .*${demoEmail('olivia')}.*password ${DEMO_PASSWORD}`))

  const { rows } = await stack.db.query(`SELECT b.status, p.payload::jsonb->>'reason' AS reason FROM bookings b
    LEFT JOIN LATERAL (SELECT payload FROM outbox o WHERE o.key = b.id::text AND o.payload::jsonb->>'status' = 'cancelled') p ON true`)
  const states = new Set(rows.map(r => r.reason ? `${r.status} ${r.reason}` : r.status))
  for (const s of ['pending', 'accepted', 'cancelled owner_declined', 'cancelled traveler_cancelled', 'cancelled dates_taken', 'cancelled expired']) {
    assert.ok(states.has(s), `a booking ${s}; seen ${[...states].join(', ')}`)
  }
  // An accepted stay cancelled by its traveler, and a request the traveler withdrew: both traveler_cancelled.
  assert.equal(await count('SELECT count(*)::int AS n FROM outbox WHERE payload::jsonb->>\'reason\' = \'traveler_cancelled\''), 2)
  assert.equal(await count("SELECT count(*)::int AS n FROM users WHERE role = 'owner'"), 2)
  assert.equal(await count("SELECT count(*)::int AS n FROM users WHERE role = 'traveler'"), 3)

  // Every event went through Kafka to the analytics service (on both topics) and to the owner's inbox.
  const events = await count('SELECT count(*)::int AS n FROM outbox')
  await waitFor('every demo event processed by the analytics service', async () =>
    await count("SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = 'analytics-service-group'") === events || undefined)
  const owner = new Client(stack.url)
  assert.equal((await owner.post('/api/auth/login', { email: demoEmail('olivia'), password: DEMO_PASSWORD })).status, 200)
  const inbox = await waitFor('the owner\'s notifications', async () => {
    const r = await owner.get('/api/notifications')
    return r.body.notifications.length > 0 ? r.body : undefined
  })
  assert.ok(inbox.unread_count > 0)

  // Twice is once.
  const before = await count('SELECT count(*)::int AS n FROM bookings')
  const again = await run(['seed', '--demo'], { DATABASE_URL: stack.databaseUrl })
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stdout, /The demo is there already: nothing to do\./)
  assert.equal(await count('SELECT count(*)::int AS n FROM bookings'), before)
  assert.equal(await count('SELECT count(*)::int AS n FROM outbox'), events)
})

test('seed --demo is refused against a database with real users, and writes nothing there', async () => {
  const otherStack = await startStack({ kafka: false })
  try {
    await signUp(otherStack.url, 'owner', 'Real Person')
    const refused = await run(['seed', '--demo'], { DATABASE_URL: otherStack.databaseUrl })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /refused: this database has 1 user\(s\) of its own/)
    const { rows: [r] } = await otherStack.db.query('SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM properties)::int AS places')
    assert.deepEqual(r, { users: 1, places: 0 })
  } finally {
    await otherStack.stop()
  }
})

test('seed without --demo says how to use it; on a database never migrated it says to migrate first', async () => {
  const bare = await run(['seed'], { DATABASE_URL: stack.databaseUrl })
  assert.equal(bare.code, 2)
  assert.match(bare.stderr, /hostly seed --demo/)
  const missing = await run(['seed', '--demo'], { DATABASE_URL: stack.databaseUrl + '_none' })
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /does not exist/)
})
