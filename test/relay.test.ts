import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
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
