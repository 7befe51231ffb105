import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { createAdmin } from '../src/kafka/client/clients.ts'
import { committedOffsets, LATEST, offsetsAt } from '../src/kafka/tools/offsets.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { groupCaughtUp, groupIsEmpty } from './helpers/kafka.ts'
import { cleanUp, run } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// hostly replay moves a group's offsets back; the idempotent consumers then re-read without a second effect.

const GROUP = 'owner-service-group'
let stack: Stack
before(async () => { stack = await startStack() })
after(async () => {
  await stack?.stop()
  await cleanUp()
})

const env = () => ({ DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: stack.brokers.join(','), LOG_LEVEL: 'warn' })
const count = async (table: string) => (await stack.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n
const sum = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n)

async function offsets () {
  const admin = createAdmin(stack.brokers, 'test-offsets')
  try {
    return { committed: await committedOffsets(admin, GROUP, TOPICS.created), latest: await offsetsAt(admin, TOPICS.created, LATEST) }
  } finally {
    await admin.close()
  }
}

test('replay is refused while the group has live members, and re-reads without duplicates once they stop', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  for (let i = 0; i < 6; i++) await book(traveler, property.id, 10 + i * 2, 1)
  await waitFor('6 notifications', async () => (await count('notifications')) === 6)
  await waitFor('the group to commit', () => groupCaughtUp(stack.brokers, GROUP, TOPICS.created))

  const refused = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--from-beginning'], env())
  assert.equal(refused.code, 3)
  assert.match(refused.stderr, /refused: group owner-service-group has 1 live member .*stop its consumers first/)
  assert.equal(sum((await offsets()).committed), 6n, 'offsets untouched')

  await stack.stopPieces()
  await waitFor('the group to be empty', () => groupIsEmpty(stack.brokers, GROUP))
  const replayed = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--from-beginning'], env())
  assert.equal(replayed.code, 0, replayed.stderr)
  assert.match(replayed.stdout, /PARTITION\s+FROM\s+TO/)
  assert.equal(sum((await offsets()).committed), 0n, 'back to the beginning')
  const processedBefore = await count('processed_events')

  await stack.startPieces()
  await waitFor('the group to re-read everything', () => groupCaughtUp(stack.brokers, GROUP, TOPICS.created))
  const { committed, latest } = await offsets()
  assert.deepEqual(committed, latest)
  assert.equal(await count('notifications'), 6, 'no duplicate effect')
  assert.equal(await count('processed_events'), processedBefore)
})

test('replay --from a time starts at the first event at or after it; --offset is clamped to the log', async () => {
  const owner = await signUp(stack.url, 'owner')
  const traveler = await signUp(stack.url, 'traveler')
  const property = await listProperty(owner)
  await waitFor('the earlier events committed', () => groupCaughtUp(stack.brokers, GROUP, TOPICS.created))
  // Record timestamps are in milliseconds: the earlier events must be stamped before `since`, the later after it.
  const since = new Date()
  await waitFor('the clock to pass that millisecond', () => Date.now() > since.getTime(), 1000, 1)
  for (let i = 0; i < 3; i++) await book(traveler, property.id, 40 + i * 2, 1)
  // All three in Kafka before the group is asked: caught up on a log the relay has not finished is no proof.
  await waitFor('the outbox published', async () => (await stack.db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0)
  await waitFor('the new events committed', () => groupCaughtUp(stack.brokers, GROUP, TOPICS.created))
  const notes = await count('notifications')

  await stack.stopPieces()
  await waitFor('the group to be empty', () => groupIsEmpty(stack.brokers, GROUP))
  const fromTime = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--from', since.toISOString()], env())
  assert.equal(fromTime.code, 0, fromTime.stderr)
  let { committed, latest } = await offsets()
  assert.equal(sum(latest) - sum(committed), 3n, 'exactly the three later events are to be read again')

  const clamped = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--offset', '999999'], env())
  assert.equal(clamped.code, 0, clamped.stderr);
  ({ committed, latest } = await offsets())
  assert.deepEqual(committed, latest)

  const bad = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--from', 'yesterday'], env())
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--from must be an ISO time/)
  const both = await run(['replay', '--group', GROUP, '--topic', TOPICS.created, '--from-beginning', '--offset', '1'], env())
  assert.equal(both.code, 2)

  await stack.startPieces()
  await waitFor('caught up', () => groupCaughtUp(stack.brokers, GROUP, TOPICS.created))
  assert.equal(await count('notifications'), notes)
})
