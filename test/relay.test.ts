import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { EVENT_VERSION, TOPICS } from '../src/bookings/events.ts'
import { createLogger } from '../src/log.ts'
import { startRelay, type Relay } from '../src/outbox/relay.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Several relays may run: one leads (a PostgreSQL advisory lock) and publishes; when it stops, another takes over.

let stack: Stack
let standby: Relay
before(async () => {
  stack = await startStack({ pieces: { api: true, relay: true }, record: [TOPICS.created] })
  standby = startRelay({
    pool: stack.db, databaseUrl: stack.databaseUrl, brokers: stack.brokers, log: createLogger('silent'), pollMs: 100, batchSize: 500, eventVersion: EVENT_VERSION
  })
})
after(async () => {
  await standby?.stop()
  await stack?.stop()
})

const leaders = async () => (await stack.db.query(
  `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 7243012 AND granted AND database =
     (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0].n

const insertEvent = 'INSERT INTO outbox (event_id, topic, key, payload) VALUES (gen_random_uuid(), $1, $2, \'{}\') RETURNING id'

test('marking an event published is a HOT update: no index holds published_at, and the page has room', async () => {
  // One event at a time, each marked before the next is written, as the relay keeps up with bookings. Each marked
  // row is then read off its page: a version written by a HOT update is a heap-only tuple (flag 0x8000 of
  // t_infomask2), whatever else the file's tests updated, in whatever order they run.
  await stack.db.query('CREATE EXTENSION IF NOT EXISTS pageinspect')
  const marks = 12
  const ids: number[] = []
  for (let n = 0; n < marks; n++) {
    const { rows: [row] } = await stack.db.query(insertEvent, [TOPICS.created, `hot-${randomUUID()}`])
    await waitFor(`event ${row.id} marked`, async () => (await stack.db.query('SELECT published_at FROM outbox WHERE id = $1', [row.id])).rows[0].published_at)
    ids.push(row.id)
  }
  const { rows } = await stack.db.query<{ id: number, heap_only: boolean }>(
    `SELECT o.id, (i.t_infomask2 & 32768) <> 0 AS heap_only
       FROM outbox o, heap_page_items(get_raw_page('outbox', (o.ctid::text::point)[0]::int)) i
      WHERE o.id = ANY($1) AND i.lp = (o.ctid::text::point)[1]::int`, [ids])
  assert.equal(rows.length, marks)
  const notHot = rows.filter(r => !r.heap_only).map(r => r.id)
  assert.deepEqual(notHot, [], `every mark HOT (${marks - notHot.length} of ${marks})`)
})

test('two relays: one leads, each event is published once, and the standby takes over when the leader stops', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  const first = await Promise.all([10, 12, 14, 16, 18].map(day => book(traveler, property.id, day, 1)))
  await waitFor('the first events', () => first.every(b => stack.recorder.forKey(TOPICS.created, b.id).length > 0))
  assert.equal(await leaders(), 1, 'one lock holder')

  await stack.stopPieces() // the stack's relay (and API) stop; the standby remains
  await stack.startPieces({ api: true }) // the API again, without a relay of its own
  const again = new Client(stack.url) // the API listens on a new port: the same session, there
  again.cookie = traveler.cookie
  const later = await Promise.all([20, 22, 24].map(day => book(again, property.id, day, 1)))
  await waitFor('the standby to publish', () => later.every(b => stack.recorder.forKey(TOPICS.created, b.id).length > 0))
  assert.equal(await leaders(), 1)

  // The relay publishes in outbox order: once a booking made after all the others is out, any second copy of
  // theirs would have gone out before it.
  const last = await book(again, property.id, 26, 1)
  await waitFor('the last event', () => stack.recorder.forKey(TOPICS.created, last.id)[0])
  await waitFor('the recorder to read the whole topic', () => stack.recorder.caughtUp(TOPICS.created))
  for (const b of [...first, ...later]) assert.equal(stack.recorder.forKey(TOPICS.created, b.id).length, 1, `booking ${b.id} once`)
})

const position = async () => (await stack.db.query('SELECT published_through AS n FROM outbox_relay')).rows[0].n as number

test('an event whose transaction commits after later ones is published, and the position waits below it until then', async () => {
  // Rows as the stored functions write them, on the created topic with keys of their own (no consumer runs here).
  const run = randomUUID()
  const insert = insertEvent
  const late = await stack.db.connect()
  try {
    // The late transaction's first write is its outbox row: outbox_next_id() gives it its xid before its id.
    await late.query('BEGIN')
    const lateId = (await late.query(insert, [TOPICS.created, `${run}-late`])).rows[0].id as number
    const published = async (key: string) => {
      await stack.db.query(insert, [TOPICS.created, key])
      await waitFor(`${key} published`, () => stack.recorder.forKey(TOPICS.created, key).length === 1)
    }
    // Three commits after it, each published by a turn of its own: turns that would have moved the position past
    // the late id if they counted only what they saw.
    for (const n of [1, 2, 3]) await published(`${run}-${n}`)
    assert.ok(await position() < lateId, `the position (${await position()}) stays below ${lateId}`)

    await late.query('COMMIT')
    await waitFor('the late event published', () => stack.recorder.forKey(TOPICS.created, `${run}-late`).length === 1)
    const newest = (await stack.db.query('SELECT max(id) AS n FROM outbox')).rows[0].n as number
    await waitFor('the position to reach the newest id', async () => await position() === newest)
  } finally {
    await late.query('ROLLBACK').catch(() => {})
    late.release()
  }
})

test('drawing an outbox id gives the transaction its xid first, and a rolled-back id does not hold the position', async () => {
  const client = await stack.db.connect()
  try {
    await client.query('BEGIN')
    const { rows: [drawn] } = await client.query('SELECT pg_current_xact_id_if_assigned() IS NULL AS before, outbox_next_id() AS id, pg_current_xact_id_if_assigned() IS NOT NULL AS after')
    assert.deepEqual([drawn.before, drawn.after], [true, true])
    await client.query('ROLLBACK')
    // A gap at that id: the position passes it once the relay has seen a later id commit.
    const { rows: [later] } = await stack.db.query(insertEvent, [TOPICS.created, randomUUID()])
    assert.ok(later.id > drawn.id)
    await waitFor('the position past the gap', async () => await position() >= later.id)
  } finally {
    client.release()
  }
})

test('a deleted position is an error the relay logs every turn, and the runbook\'s statement puts it back', async () => {
  const errors: string[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => { errors.push(JSON.parse(line).err ?? '') } })
  await standby.stop() // the one that leads once the stack's relay stops below
  await stack.stopPieces()
  await stack.startPieces({ api: true })
  const relay = startRelay({ pool: stack.db, databaseUrl: stack.databaseUrl, brokers: stack.brokers, log, pollMs: 100, batchSize: 500, eventVersion: EVENT_VERSION })
  try {
    await stack.db.query('DELETE FROM outbox_relay')
    const key = `lost-${randomUUID()}`
    await stack.db.query(insertEvent, [TOPICS.created, key])
    await waitFor('the error logged on several turns', () => errors.filter(e => e.includes('outbox_relay has no row')).length >= 3)
    assert.equal(stack.recorder.forKey(TOPICS.created, key).length, 0, 'nothing published without a position')

    // docs/operations.md, "Outbox not draining", step 4.
    await stack.db.query('INSERT INTO outbox_relay (published_through) SELECT coalesce(min(id) - 1, 0) FROM outbox WHERE published_at IS NULL')
    await waitFor('the event published once the position is back', () => stack.recorder.forKey(TOPICS.created, key).length === 1)
  } finally {
    await relay.stop()
  }
})
