import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { MESSAGE_TOPICS } from '../src/messages/events.ts'
import { listProperty, signUp, type Client } from './helpers/http.ts'
import { groupCaughtUp, groupIsEmpty } from './helpers/kafka.ts'
import { openLive, type LiveSocket } from './helpers/live.ts'
import { cleanUp, run } from './helpers/processes.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Conversations through faults (issue 19), on a broker of this file's own: a broker SIGKILLed in the middle of a
// conversation loses no message's event, and a replay of message-sent from the beginning has no second effect.

const TOPIC = MESSAGE_TOPICS.sent
const GROUPS = ['message-service-group', 'message-email-group']
let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    ownBroker: true,
    pieces: { api: true, relay: true, sweeper: true, workers: ['messages', 'email'] },
    env: { SMTP_URL: sink.url, APP_URL: 'http://app.test', MESSAGE_EMAIL_QUIET: '2000ms', MESSAGE_RATE_PER_MINUTE: '100' }
  })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
  await cleanUp()
})

const caughtUp = () => waitFor('both message groups caught up', async () =>
  await groupCaughtUp(stack.brokers, GROUPS[0], TOPIC) && groupCaughtUp(stack.brokers, GROUPS[1], TOPIC), 90_000, 250)
const seen = (live: LiveSocket) => live.messages.filter(m => m.type === 'message').map(m => m.message.id as number)

async function say (client: Client, threadId: number, text: string): Promise<number> {
  const reply = await client.post(`/api/threads/${threadId}/messages`, { text })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.message.id
}

let conversation: { host: Client, guest: Client, threadId: number, sent: number[] }

test('a broker SIGKILLed during a conversation loses nothing: each message reaches the host once, in order', async () => {
  const host = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(host)
  const guest = await signUp(stack.url, 'traveler', 'Tomás')
  const hostLive = await openLive(stack.url, host)
  await hostLive.next('ready', m => m.type === 'ready')
  const first = await guest.post(`/api/properties/${property.id}/questions`, { text: 'guest 0' })
  assert.equal(first.status, 201, JSON.stringify(first.body))
  const threadId = first.body.message.thread_id
  const sent = [first.body.message.id]
  for (let i = 1; i < 6; i++) sent.push(await say(guest, threadId, `guest ${i}`))
  await waitFor('the first messages on the host\'s socket', () => seen(hostLive).length >= 3)

  process.kill(stack.broker!.pid!, 'SIGKILL')
  await stack.broker!.exited
  // The API needs no Kafka: every message is stored, its event waits in the outbox.
  for (let i = 6; i < 12; i++) sent.push(await say(guest, threadId, `guest ${i}`))
  const { rows: [{ waiting }] } = await stack.db.query("SELECT count(*)::int AS waiting FROM outbox WHERE published_at IS NULL AND topic LIKE '%message-sent'")
  assert.ok(waiting >= 6, `the messages sent while the broker was down wait in the outbox (${waiting})`)

  await stack.broker!.restart()
  await waitFor('every message on the host\'s socket', () => seen(hostLive).length >= sent.length, 90_000, 250)
  await caughtUp()
  assert.deepEqual(seen(hostLive), sent, 'each message once, in the order sent')
  const { rows: [{ unread }] } = await stack.db.query('SELECT unread_count AS unread FROM thread_parties WHERE thread_id = $1 AND user_id = $2', [threadId, host.user!.id])
  assert.equal(unread, sent.length, 'the inbox counts each message once')
  await hostLive.close()
  conversation = { host, guest, threadId, sent }
})

test('replaying message-sent from the beginning adds nothing: no unread message, no e-mail, no processed event twice', async () => {
  assert.ok(conversation, 'the conversation of the test before')
  await caughtUp()
  // Every digest sent, the held ones included (a message within the quiet period after an e-mail waits for the
  // sweep): every party told of all they were sent.
  await waitFor('the digest e-mails sent', async () => {
    const { rows: [{ pending }] } = await stack.db.query(
      `SELECT count(*)::int AS pending FROM thread_parties
        WHERE (unread_count > 0 AND emailed_at IS NULL) OR held_through > emailed_through`)
    return pending === 0 && sink.count() > 0
  }, 60_000, 250)
  const state = async () => ({
    unread: (await stack.db.query('SELECT sum(unread_count)::int AS n FROM thread_parties')).rows[0].n,
    processed: (await stack.db.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n,
    emails: sink.count()
  })
  await caughtUp()
  const before = await state()

  await stack.stopPieces()
  const env = { DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: stack.brokers.join(','), LOG_LEVEL: 'warn' }
  for (const group of GROUPS) {
    await waitFor(`${group} to be empty`, () => groupIsEmpty(stack.brokers, group))
    const replayed = await run(['replay', '--group', group, '--topic', TOPIC, '--from-beginning'], env)
    assert.equal(replayed.code, 0, replayed.stderr)
  }
  await stack.startPieces()
  await caughtUp()
  // Past the quiet period, so a digest the replay wrongly held would have gone out by now.
  await new Promise(resolve => setTimeout(resolve, 3000))
  assert.deepEqual(await state(), before)
})
