import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createProducer } from '../src/kafka/client/clients.ts'
import { deadLetterTopic } from '../src/kafka/client/topics.ts'
import { messageIdFor } from '../src/email/mailer.ts'
import { MESSAGE_TOPICS } from '../src/messages/events.ts'
import { lockParties, writeMessage } from '../src/messages/store.ts'
import { book, listProperty, signUp, type Client } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { openLive } from './helpers/live.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor, waitingForLock } from './helpers/wait.ts'

// Conversations over Kafka (issue 19): message-sent through the outbox, the message service (inbox, live) and the
// e-mail digests, on a real broker, PostgreSQL and SMTP server, with WebSocket clients.

const TOPIC = MESSAGE_TOPICS.sent
const QUIET = 2000
let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['messages', 'email'] },
    env: { SMTP_URL: sink.url, APP_URL: 'http://app.test', MESSAGE_EMAIL_QUIET: `${QUIET}ms`, MESSAGE_RATE_PER_MINUTE: '40' },
    record: [TOPIC, deadLetterTopic(TOPIC)]
  })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
})

const caughtUp = () => waitFor('both message groups caught up', async () =>
  await groupCaughtUp(stack.brokers, 'message-service-group', TOPIC) && groupCaughtUp(stack.brokers, 'message-email-group', TOPIC))

async function pair () {
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(owner, { name: 'Casa <b>Azul</b>' })
  const traveler = await signUp(stack.url, 'traveler', 'Tomás')
  return { owner, traveler, property }
}

async function ask (traveler: Client, propertyId: number, text: string) {
  const reply = await traveler.post(`/api/properties/${propertyId}/questions`, { text })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.message
}

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)

const unreadOf = async (client: Client, threadId: number) =>
  (await client.get('/api/threads')).body.threads.find((t: { id: number }) => t.id === threadId)?.unread_count

test('a question reaches the host live and in the inbox; reading it shows "read" to the guest, live', async () => {
  const { owner, traveler, property } = await pair()
  const ownerLive = await openLive(stack.url, owner)
  const travelerLive = await openLive(stack.url, traveler)
  await ownerLive.next('ready', m => m.type === 'ready')
  await travelerLive.next('ready', m => m.type === 'ready')

  const sent = await ask(traveler, property.id, 'Is there parking? <script>alert(1)</script>')
  const pushed = await ownerLive.next('the message', m => m.type === 'message')
  assert.equal(pushed.message.id, sent.id)
  assert.equal(pushed.message.thread_id, sent.thread_id)
  assert.equal(pushed.message.text, 'Is there parking? <script>alert(1)</script>', 'text as written, for the page to show as text')
  assert.equal(pushed.message.unread_count, 1)
  assert.equal(travelerLive.messages.filter(m => m.type === 'message').length, 0, 'the sender is not told of their own message')

  const inbox = await owner.get('/api/threads')
  assert.equal(inbox.status, 200)
  assert.equal(inbox.body.unread_count, 1)
  const [thread] = inbox.body.threads
  assert.deepEqual([thread.id, thread.booking_id, thread.property.title, thread.other.name, thread.unread_count], [sent.thread_id, null, 'Casa <b>Azul</b>', 'Tomás', 1])

  const read = await owner.post(`/api/threads/${sent.thread_id}/read`)
  assert.deepEqual(read.body, { thread_id: sent.thread_id, last_read_id: sent.id, unread_count: 0 })
  const receipt = await travelerLive.next('the read receipt', m => m.type === 'thread_read')
  assert.deepEqual([receipt.thread_read.thread_id, receipt.thread_read.last_read_id], [sent.thread_id, sent.id])
  const page = await traveler.get(`/api/threads/${sent.thread_id}/messages`)
  assert.equal(page.body.thread.other_read_id, sent.id, 'the guest sees the host has read it')
  await Promise.all([ownerLive.close(), travelerLive.close()])
})

test('20 messages each way with both sockets open: each side sees each of the other\'s once, in order', async () => {
  const { owner, traveler, property } = await pair()
  const ownerLive = await openLive(stack.url, owner)
  const travelerLive = await openLive(stack.url, traveler)
  await ownerLive.next('ready', m => m.type === 'ready')
  await travelerLive.next('ready', m => m.type === 'ready')
  const first = await ask(traveler, property.id, 'guest 0')
  const threadId = first.thread_id
  const sent = { guest: [first.id], host: [] as number[] }
  for (let i = 0; i < 20; i++) {
    if (i > 0) sent.guest.push((await traveler.post(`/api/threads/${threadId}/messages`, { text: `guest ${i}` })).body.message.id)
    sent.host.push((await owner.post(`/api/threads/${threadId}/messages`, { text: `host ${i}` })).body.message.id)
  }
  const seen = (live: typeof ownerLive) => live.messages.filter(m => m.type === 'message').map(m => m.message.id)
  await waitFor('every message on the other side', () => seen(ownerLive).length >= 20 && seen(travelerLive).length >= 20)
  await caughtUp()
  assert.deepEqual(seen(ownerLive), sent.guest)
  assert.deepEqual(seen(travelerLive), sent.host)
  assert.deepEqual(ownerLive.messages.filter(m => m.type === 'message').map(m => m.message.text), sent.guest.map((_, i) => `guest ${i}`))

  // Paging back through the thread: newest first, 40 messages in pages of 15.
  const ids: number[] = []
  for (let cursor: string | null = null, n = 0; n === 0 || cursor; n++) {
    const page: any = await owner.get(`/api/threads/${threadId}/messages?limit=15${cursor ? `&cursor=${cursor}` : ''}`)
    ids.push(...page.body.messages.map((m: { id: number }) => m.id))
    cursor = page.body.next_cursor
  }
  assert.deepEqual(ids, [...sent.guest, ...sent.host].sort((a, b) => b - a))
  await Promise.all([ownerLive.close(), travelerLive.close()])
})

test('a burst of 10 messages is one e-mail at once, and one more after the quiet period lists the held ones, with nothing else sent', async () => {
  const { owner, traveler, property } = await pair()
  const first = await ask(traveler, property.id, 'Message 1')
  for (let i = 2; i <= 10; i++) assert.equal((await traveler.post(`/api/threads/${first.thread_id}/messages`, { text: `Message ${i}` })).status, 201)
  await caughtUp()
  // The first message is e-mailed at once; the burst behind it is held (the next e-mail lists it, counted below).
  const mail = await waitFor('the first e-mail', () => sink.to(owner.user!.email)[0])
  assert.match(mail.subject, /^Tomás wrote to you about Casa <b>Azul<\/b>$/)
  assert.match(mail.text, /Tomás: Message 1\n/)
  assert.match(mail.text, /Replies to this e-mail are not read/)
  assert.match(mail.text, new RegExp(`http://app\\.test/threads/${first.thread_id}\\b`))
  assert.match(mail.html, /Casa &lt;b&gt;Azul&lt;\/b&gt;/)

  // Nothing else arrives: the held messages are e-mailed by the e-mail worker's sweep once the period has passed.
  const second = await waitFor('the held messages e-mailed', () => sink.to(owner.user!.email)[1])
  assert.match(second.subject, /^9 new messages from Tomás about /)
  assert.match(second.text, /Tomás: Message 2\n[^]*Tomás: Message 10\n/, 'it lists what arrived since the first')
  assert.doesNotMatch(second.text, /Message 1\n/)
  assert.notEqual(second.messageId, mail.messageId)
  const { rows: [party] } = await stack.db.query('SELECT held_through, emailed_through FROM thread_parties WHERE thread_id = $1 AND user_id = $2', [first.thread_id, owner.user!.id])
  assert.equal(Number(party.emailed_through), Number(party.held_through), 'nothing is held any more')

  // A message within the new quiet period is held in turn, and e-mailed alone after it: the earlier ones never again.
  assert.equal((await traveler.post(`/api/threads/${first.thread_id}/messages`, { text: 'Message 11' })).status, 201)
  const third = await waitFor('the next held message e-mailed', () => sink.to(owner.user!.email)[2])
  assert.match(third.subject, /^Tomás wrote to you about /)
  assert.match(third.text, /Tomás: Message 11\n/)
  assert.doesNotMatch(third.text, /Message 10\n/)
  const { rows: sent } = await stack.db.query(
    "SELECT e.status FROM email_messages e WHERE e.recipient_id = $1 AND e.kind = 'message_digest'", [owner.user!.id])
  assert.deepEqual(sent.map(r => r.status), ['sent', 'sent', 'sent'], 'one record per e-mail, each sent once')
  assert.equal(sink.to(owner.user!.email).length, 3)
})

test('a held digest is e-mailed once however many sweeps find it, with the same Message-ID as its event would give', async () => {
  const { owner, traveler, property } = await pair()
  const first = await ask(traveler, property.id, 'One')
  await traveler.post(`/api/threads/${first.thread_id}/messages`, { text: 'Two' })
  await caughtUp()
  const [mail] = sink.to(owner.user!.email)
  const second = await waitFor('the held message e-mailed', () => sink.to(owner.user!.email)[1])
  const { rows: [party] } = await stack.db.query('SELECT held_event_id FROM thread_parties WHERE thread_id = $1 AND user_id = $2', [first.thread_id, owner.user!.id])
  assert.equal(second.messageId, messageIdFor(party.held_event_id, owner.user!.id, stack.config.mailFrom))
  assert.notEqual(second.messageId, mail.messageId)
  // A second sweep of the same digest (as a crash after sending, before committing, would cause) sends nothing more.
  await stack.db.query('UPDATE thread_parties SET emailed_through = 0, emailed_at = now() - interval \'1 hour\' WHERE thread_id = $1 AND user_id = $2', [first.thread_id, owner.user!.id])
  await waitFor('the sweep to find it again', async () => Number((await stack.db.query('SELECT emailed_through FROM thread_parties WHERE thread_id = $1 AND user_id = $2', [first.thread_id, owner.user!.id])).rows[0].emailed_through) > 0)
  assert.equal(sink.to(owner.user!.email).length, 2)
})

test('the same record delivered twice counts once in the inbox and sends no second e-mail', async () => {
  const { owner, traveler, property } = await pair()
  const sent = await ask(traveler, property.id, 'Twice?')
  const original = await waitFor('the record', () => stack.recorder.forKey(TOPIC, sent.thread_id)[0])
  await caughtUp()
  const producer = createProducer(stack.brokers, 'test-duplicator')
  await producer.send({ messages: [{ topic: original.topic, key: original.key, value: original.value, headers: original.headers }] })
  await producer.close()
  await waitFor('the copy in the topic', () => stack.recorder.forKey(TOPIC, sent.thread_id).length === 2)
  await caughtUp()
  assert.equal(await unreadOf(owner, sent.thread_id), 1)
  assert.equal(sink.to(owner.user!.email).length, 1)
})

test('only the two parties read or write a thread: 404 for anyone else; an owner cannot ask a host', async () => {
  const { owner, traveler, property } = await pair()
  const sent = await ask(traveler, property.id, 'Hello')
  const stranger = await signUp(stack.url, 'traveler', 'Sam')
  const otherOwner = await signUp(stack.url, 'owner', 'Oscar')
  for (const who of [stranger, otherOwner]) {
    assert.equal((await who.get(`/api/threads/${sent.thread_id}/messages`)).status, 404)
    assert.equal((await who.post(`/api/threads/${sent.thread_id}/messages`, { text: 'hi' })).status, 404)
    assert.equal((await who.post(`/api/threads/${sent.thread_id}/read`)).status, 404)
    assert.deepEqual((await who.get('/api/threads')).body.threads, [])
  }
  assert.equal((await otherOwner.post(`/api/properties/${property.id}/questions`, { text: 'hi' })).status, 403)
  assert.equal((await traveler.post('/api/properties/999999/questions', { text: 'hi' })).status, 404)
  assert.equal((await owner.get(`/api/threads/${sent.thread_id}/messages`)).status, 200)
})

test('bad messages are refused with a sentence: empty, too long, control or direction characters, too many a minute', async () => {
  const { traveler, property } = await pair()
  const url = `/api/properties/${property.id}/questions`
  for (const [text, pattern] of [
    ['', /The message/], ['   \n ', /The message must not be empty\./], ['x'.repeat(5001), /at most 5000 characters long \(it has 5001\)/],
    ['a\u0007b', /U\+0007/], ['pay \u202Eevil', /U\+202E/], ['a\u2066b', /U\+2066/]
  ] as Array<[string, RegExp]>) {
    const reply = await traveler.post(url, { text })
    assert.equal(reply.status, 400, text)
    assert.equal(reply.body.code, 'VALIDATION_ERROR')
    assert.match(reply.body.message, pattern)
    assert.equal(reply.body.details[0].field, 'text')
  }
  assert.equal((await traveler.post(url, { text: 'é'.repeat(5000) + '\n\ttabs and lines are fine' })).status, 400, 'over 5000 characters')
  assert.equal((await traveler.post(url, { text: 'Lines\nand\ttabs are fine 👋' })).status, 201)
  for (let i = 1; i < 40; i++) assert.equal((await traveler.post(url, { text: `m${i}` })).status, 201)
  const refused = await traveler.post(url, { text: 'one too many' })
  assert.equal(refused.status, 429)
  assert.equal(refused.body.code, 'TOO_MANY_MESSAGES')
  assert.match(refused.body.message, /at most 40 messages a minute/)
  assert.equal(refused.headers.get('retry-after'), '60')
})

test("a question attaches to the guest's booking: the booking's first message continues it", async () => {
  const { owner, traveler, property } = await pair()
  const question = await ask(traveler, property.id, 'Can we bring a dog?')
  const booking = await book(traveler, property.id, 20)
  const before = await owner.get(`/api/threads?booking_id=${booking.id}`)
  assert.deepEqual(before.body.threads.map((t: { id: number }) => t.id), [question.thread_id], 'shown with the booking already')
  const answer = await owner.post(`/api/bookings/${booking.id}/messages`, { text: 'Yes, dogs are welcome.' })
  assert.equal(answer.status, 201)
  assert.equal(answer.body.message.thread_id, question.thread_id)
  const [thread] = (await traveler.get(`/api/threads?booking_id=${booking.id}`)).body.threads
  assert.equal(thread.booking_id, booking.id)
  const stranger = await signUp(stack.url, 'owner', 'Nobody')
  assert.equal((await stranger.post(`/api/bookings/${booking.id}/messages`, { text: 'hi' })).status, 404)
})

test('a request, an accept and a decline may carry a message: written with the change, in the booking\'s thread; a refused message refuses the change', async () => {
  const { owner, traveler, property } = await pair()
  const stay = (inDays: number) => ({ property_id: property.id, start_date: day(inDays), end_date: day(inDays + 2), num_guests: 2 })
  const threadOf = async (bookingId: number) => (await traveler.get(`/api/threads?booking_id=${bookingId}`)).body.threads[0]
  const textsOf = async (threadId: number) => (await traveler.get(`/api/threads/${threadId}/messages`)).body.messages.map((m: { text: string }) => m.text).reverse()

  const requested = await traveler.post('/api/bookings', { ...stay(20), message: 'We are two, arriving Friday.' })
  assert.equal(requested.status, 201, JSON.stringify(requested.body))
  const booking = requested.body.booking
  const thread = await threadOf(booking.id)
  assert.equal(thread.booking_id, booking.id)
  assert.deepEqual(await textsOf(thread.id), ['We are two, arriving Friday.'])
  const accepted = await owner.post(`/api/bookings/${booking.id}/accept`, { message: 'Welcome! The keys are in the box.' })
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
  assert.equal(accepted.body.booking.status, 'accepted')
  assert.deepEqual(await textsOf(thread.id), ['We are two, arriving Friday.', 'Welcome! The keys are in the box.'])
  await waitFor('both message-sent events', () => stack.recorder.forKey(TOPIC, thread.id).length === 2)
  await caughtUp()
  assert.equal(await unreadOf(traveler, thread.id), 1, 'the accept\'s message counts in the traveler\'s inbox')

  const other = await book(traveler, property.id, 40)
  const declined = await owner.post(`/api/bookings/${other.id}/cancel`, { message: 'Sorry, those dates are for family.' })
  assert.equal(declined.status, 200, JSON.stringify(declined.body))
  assert.equal(declined.body.booking.reason, 'owner_declined')
  assert.deepEqual(await textsOf((await threadOf(other.id)).id), ['Sorry, those dates are for family.'])
  assert.equal((await owner.post(`/api/bookings/${other.id}/cancel`)).status, 409, 'no body still works')

  // Refused messages refuse the change: nothing is written.
  const count = async () => (await traveler.get('/api/bookings/me?limit=100')).body.bookings.length
  const before = await count()
  for (const [text, words] of [['  ', /must not be empty/], ['a\u202Eb', /text-direction/], ['x'.repeat(5001), /at most 5000 characters/]] as const) {
    const refused = await traveler.post('/api/bookings', { ...stay(60), message: text })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.details[0].field, 'message')
    assert.match(refused.body.message, words)
  }
  const third = await book(traveler, property.id, 80)
  const badDecline = await owner.post(`/api/bookings/${third.id}/cancel`, { message: '' })
  assert.equal(badDecline.status, 400)
  for (let i = 0; i < 40; i++) {
    const sent = await traveler.post(`/api/threads/${thread.id}/messages`, { text: `note ${i}` })
    if (sent.status === 429) break
    assert.equal(sent.status, 201)
  }
  const tooFast = await traveler.post('/api/bookings', { ...stay(60), message: 'One more' })
  assert.equal(tooFast.status, 429)
  assert.equal((await traveler.post(`/api/bookings/${third.id}/cancel`, { message: 'Plans changed.' })).status, 429)
  assert.equal(await count(), before + 1, 'only the third booking was made')
  assert.equal((await traveler.get(`/api/bookings/${third.id}`)).body.booking.status, 'pending', 'the withdrawal was refused with its message')
})

test('poison goes to message-sent.dlq: an unreadable record, and a forged event Hostly never wrote', async () => {
  const { traveler, property } = await pair()
  const sent = await ask(traveler, property.id, 'real')
  const real = await waitFor('the record', () => stack.recorder.forKey(TOPIC, sent.thread_id)[0])
  const forged = JSON.stringify({ ...JSON.parse(real.value), recipient_id: 1 })
  const producer = createProducer(stack.brokers, 'test-forger')
  await producer.send({
    messages: [
      { topic: TOPIC, key: 'poison-1', value: 'not json', headers: { 'event-id': crypto.randomUUID(), 'event-type': TOPIC, 'event-version': '1' } },
      { topic: TOPIC, key: String(sent.thread_id), value: forged, headers: { 'event-id': crypto.randomUUID(), 'event-type': TOPIC, 'event-version': '1' } }
    ]
  })
  await producer.close()
  const dead = await waitFor('both dead-lettered by both groups', () => {
    const letters = stack.recorder.forKey(deadLetterTopic(TOPIC), 'poison-1').concat(stack.recorder.forKey(deadLetterTopic(TOPIC), sent.thread_id))
    return letters.length >= 4 ? letters : undefined
  })
  assert.ok(dead.some(r => /not valid JSON/.test(r.headers['error-message'])))
  assert.ok(dead.some(r => /was never recorded by Hostly/.test(r.headers['error-message'])))
  assert.deepEqual([...new Set(dead.map(r => r.headers['consumer-group']))].sort(), ['message-email-group', 'message-service-group'])
})

test("the two message consumers lock parties' rows by thread, then user, whatever order their events came in", async () => {
  // Both lock with lockParties(). A batch holding thread B's row while it waits for A's, which the other consumer
  // holds while it asks for B's, is a deadlock (seen under load). In one order, a batch waiting for A's holds no later row.
  const first = await pair()
  const second = await pair()
  const a = (await ask(first.traveler, first.property.id, 'Is there parking?')).thread_id
  const b = (await ask(second.traveler, second.property.id, 'Is there a cot?')).thread_id
  assert.ok(a < b)
  await caughtUp() // the consumers hold none of these rows
  const other = await stack.db.connect()
  const batch = await stack.db.connect()
  try {
    const { rows: [{ pid }] } = await batch.query('SELECT pg_backend_pid() AS pid')
    await other.query('BEGIN')
    await other.query('SELECT FROM thread_parties WHERE thread_id = $1 AND user_id = $2 FOR UPDATE', [a, first.owner.user!.id])
    await batch.query('BEGIN')
    const locking = lockParties(batch, [{ threadId: b, userId: second.owner.user!.id }, { threadId: a, userId: first.owner.user!.id }])
    await waitingForLock(stack.db, pid)
    // Thread B's row is free: the batch took nothing before A's.
    await other.query('SELECT FROM thread_parties WHERE thread_id = $1 AND user_id = $2 FOR UPDATE NOWAIT', [b, second.owner.user!.id])
    await other.query('ROLLBACK')
    await locking
    await batch.query('ROLLBACK')
  } finally {
    other.release()
    batch.release()
  }
})

test("a message write locks the thread's row before its party row, and a sender's lock before both", async () => {
  // Every message write takes the sender's lock, then the thread's row, then the sender's party row. A writer that
  // held its party row while it waited for the thread's deadlocked with a guest's follow-up question, which holds the
  // thread's row while it waits for the parties' rows to be free; one that held the thread's row while it waited for
  // the sender's lock deadlocked with the same person writing in the thread another way.
  const { owner, traveler, property } = await pair()
  const t = (await ask(traveler, property.id, 'Is there a cot?')).thread_id
  await caughtUp() // the consumers hold none of these rows
  const holder = await stack.db.connect()
  const writer = await stack.db.connect()
  const free = (sql: string, values: unknown[]) => stack.db.query(`${sql} FOR UPDATE NOWAIT`, values).then(() => true, () => false)
  try {
    // The host's reply, while someone holds the thread's row: it waits holding no party row.
    const { rows: [{ pid }] } = await writer.query('SELECT pg_backend_pid() AS pid')
    await holder.query('BEGIN')
    await holder.query('SELECT FROM threads WHERE id = $1 FOR UPDATE', [t])
    await writer.query('BEGIN')
    const { rows: [thread] } = await stack.db.query('SELECT id, property_id, traveler_id, owner_id, booking_id FROM threads WHERE id = $1', [t])
    const reply = writeMessage(writer, thread, owner.user!.id, 'Yes, on request.')
    await waitingForLock(stack.db, pid)
    assert.equal(await free('SELECT FROM thread_parties WHERE thread_id = $1 AND user_id = $2', [t, owner.user!.id]), true, 'the party row is free')
    await holder.query('ROLLBACK')
    await reply
    await writer.query('ROLLBACK')

    // The guest's follow-up question, while their own lock is held: it waits holding not the thread's row.
    await holder.query('BEGIN')
    await holder.query("SELECT pg_advisory_xact_lock(hashtextextended('hostly-messages-of:' || $1::bigint, 0))", [traveler.user!.id])
    const question = traveler.post(`/api/properties/${property.id}/questions`, { text: 'And a high chair?' })
    await waitFor('the question waiting for the sender\'s lock', async () => (await stack.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%hostly-messages-of%'")).rowCount)
    assert.equal(await free('SELECT FROM threads WHERE id = $1', [t]), true, "the thread's row is free")
    await holder.query('ROLLBACK')
    assert.equal((await question).status, 201)
  } finally {
    await holder.query('ROLLBACK').catch(() => {})
    holder.release()
    writer.release()
  }
})
