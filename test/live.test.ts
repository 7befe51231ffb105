import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { book, listProperty, signUp, type Client } from './helpers/http.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { openLive, upgradeStatus } from './helpers/live.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Live push, e-mail and the inbox together, as `hostly start` runs them: a real broker, database, SMTP server over
// TCP and WebSocket clients.

let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler', 'email'] },
    env: { SMTP_URL: sink.url, APP_URL: 'http://app.test', LIVE_SESSION_CHECK: '300ms', LIVE_MAX_SOCKETS_PER_USER: '3' }
  })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
})

/** Until the e-mail service has processed every event on both topics. */
const emailCaughtUp = () => waitFor('the e-mail service caught up', async () =>
  await groupCaughtUp(stack.brokers, 'email-service-group', TOPICS.created) && groupCaughtUp(stack.brokers, 'email-service-group', TOPICS.statusUpdated))

test('the owner\'s socket gets the request and the traveler\'s the acceptance; each gets exactly one e-mail with the facts', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(owner, { name: 'Cliff <House>', price_per_night: 99.99 })
  const traveler = await signUp(stack.url, 'traveler', 'Tomás')
  const ownerLive = await openLive(stack.url, owner)
  const travelerLive = await openLive(stack.url, traveler)
  assert.deepEqual(await ownerLive.next('ready', m => m.type === 'ready'), { type: 'ready', unread_count: 0 })
  await travelerLive.next('ready', m => m.type === 'ready')

  const booking = await book(traveler, property.id, 30, 5, 2)
  const requested = await ownerLive.next('the request', m => m.type === 'notification')
  assert.equal(requested.notification.type, 'booking_requested')
  assert.equal(requested.notification.booking_id, booking.id)
  // The dates are written for the reader (their locale); the words around them are fixed.
  assert.match(requested.notification.message, /^Tomás requested Cliff <House> from \S.* 2027 to \S.* 2027 for 2 guests\.$/)
  assert.equal(requested.notification.read_at, null)
  const pending = await ownerLive.next('the booking, pending', m => m.type === 'booking')
  assert.equal(pending.booking.status, 'pending')

  assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
  const accepted = await travelerLive.next('the acceptance', m => m.type === 'notification')
  assert.equal(accepted.notification.type, 'booking_accepted')
  assert.match(accepted.notification.message, /Cliff <House> from .* was accepted/)
  await travelerLive.next('the booking, accepted', m => m.type === 'booking' && m.booking.status === 'accepted')
  await ownerLive.next('the booking, accepted, to the owner too', m => m.type === 'booking' && m.booking.status === 'accepted')
  assert.equal(ownerLive.notifications().length, 1, 'the acceptance is the traveler\'s notification, not the owner\'s')

  await emailCaughtUp()
  const [toOwner, ...moreToOwner] = sink.to(owner.user!.email)
  const [toTraveler, ...moreToTraveler] = sink.to(traveler.user!.email)
  assert.deepEqual([moreToOwner.length, moreToTraveler.length], [0, 0], 'one e-mail each')
  assert.match(toOwner.subject, /^Tomás asks to stay at Cliff <House>: \S.* 2027 to \S.* 2027$/)
  assert.match(toOwner.text, /\(5 nights\)\n\s+Guests: 2 guests\n\s+Total:\s+€499\.95\n/)
  assert.match(toOwner.text, new RegExp(`http://app\\.test/bookings/${booking.id}`))
  assert.match(toOwner.html, /Cliff &lt;House&gt;/, 'values escaped in HTML')
  assert.doesNotMatch(toOwner.html, /Cliff <House>/)
  assert.match(toOwner.listUnsubscribe, /^List-Unsubscribe:\s*<http:\/\/app\.test\/api\/unsubscribe\?token=[\w.-]+>$/)
  assert.match(toTraveler.subject, /^Your stay is confirmed: Cliff <House>, /)
  assert.match(toTraveler.text, /was accepted by the host/)
  assert.match(toOwner.messageId, /^<[0-9a-f]{32}@hostly\.localhost>$/)
  await Promise.all([ownerLive.close(), travelerLive.close()])
})

test('the upgrade needs a session (401), the app\'s origin (403), and at most LIVE_MAX_SOCKETS_PER_USER sockets (429)', async () => {
  const user = await signUp(stack.url, 'traveler')
  assert.equal(await upgradeStatus(stack.url, undefined), 401)
  assert.equal(await upgradeStatus(stack.url, user, { origin: 'https://evil.example' }), 403)
  assert.equal(await upgradeStatus(stack.url, user, {}, '?after=x'), 400)
  const host = new URL(stack.url).host
  const sockets = []
  for (let i = 0; i < 3; i++) sockets.push(await openLive(stack.url, user, '', { origin: `http://${host}` }))
  assert.equal(await upgradeStatus(stack.url, user), 429)
  await sockets[0].close()
  await waitFor('a free slot', async () => (await upgradeStatus(stack.url, user)) === 101)
  await Promise.all(sockets.map(s => s.close()))
})

/** n bookings of one property by the traveler, on dates that do not overlap. */
async function bookMany (traveler: Client, propertyId: number, n: number, from = 0) {
  const out = []
  for (let i = 0; i < n; i++) out.push(await book(traveler, propertyId, 10 + (from + i) * 2, 1, 1))
  return out
}

const ownerNotificationIds = async (ownerId: number) =>
  (await stack.db.query('SELECT id FROM notifications WHERE user_id = $1 ORDER BY id', [ownerId])).rows.map(r => r.id)

test('resume with ?after: every notification missed, once, oldest first, then ready, then live, across a seam with commits in flight', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const first = await openLive(stack.url, owner)
  await bookMany(traveler, property.id, 1)
  const seen = await first.next('the first notification', m => m.type === 'notification')
  await first.close()

  // 50 while disconnected, 25 committed before the reconnection and 25 around it.
  await bookMany(traveler, property.id, 25, 1)
  await waitFor('25 more notifications written', async () => (await ownerNotificationIds(owner.user!.id)).length === 26)
  const during = bookMany(traveler, property.id, 25, 26)
  const resumed = await openLive(stack.url, owner, `?after=${seen.notification.id}`)
  await during
  await waitFor('51 notifications written', async () => (await ownerNotificationIds(owner.user!.id)).length === 51)
  const expected = (await ownerNotificationIds(owner.user!.id)).slice(1)
  await waitFor('all 50 on the socket', () => resumed.notifications().length >= 50)

  const ids = resumed.notifications().map(n => n.id)
  assert.deepEqual([...ids].sort((a, b) => a - b), expected, 'each of the 50, none twice')
  const readyAt = resumed.messages.findIndex(m => m.type === 'ready')
  assert.equal(resumed.messages.filter(m => m.type === 'ready').length, 1)
  const before = resumed.messages.slice(0, readyAt).filter(m => m.type === 'notification').map(m => m.notification.id)
  assert.ok(before.length >= 25, `the catch-up sent at least the 25 committed before (sent ${before.length})`)
  assert.deepEqual(before, [...before].sort((a, b) => a - b), 'the catch-up is oldest first')

  await bookMany(traveler, property.id, 1, 60)
  await waitFor('the live one after', () => resumed.notifications().length === 51)
  assert.equal(new Set(resumed.notifications().map(n => n.id)).size, 51)
  await resumed.close()
})

test('the LISTEN connection coming back makes a resumed socket catch up from where it resumed: nothing missed, nothing old again', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  await bookMany(traveler, property.id, 2)
  await waitFor('2 notifications written', async () => (await ownerNotificationIds(owner.user!.id)).length === 2)
  const newest = (await ownerNotificationIds(owner.user!.id)).at(-1)!
  const resumed = await openLive(stack.url, owner, `?after=${newest}`)
  await resumed.next('ready', m => m.type === 'ready')

  // The API's LISTEN connection dropped (as a PostgreSQL fault would drop it); a notification written while it is down.
  const listening = async () => (await stack.db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hostly live listener'")).rows.map(r => r.pid)
  const [lost] = await waitFor('the API to LISTEN', async () => { const pids = await listening(); return pids.length === 1 ? pids : undefined }) as number[]
  await stack.db.query('SELECT pg_terminate_backend($1)', [lost])
  await bookMany(traveler, property.id, 1, 10)
  await waitFor('the API to LISTEN again', async () => { const pids = await listening(); return pids.length === 1 && pids[0] !== lost })
  await waitFor('the one written meanwhile on the socket', () => resumed.notifications().length >= 1)
  await bookMany(traveler, property.id, 1, 20)
  await waitFor('4 notifications written', async () => (await ownerNotificationIds(owner.user!.id)).length === 4)
  await waitFor('and the next one, live', () => resumed.notifications().length >= 2)

  const ids = resumed.notifications().map(n => n.id)
  assert.deepEqual(ids, (await ownerNotificationIds(owner.user!.id)).slice(2), 'the two written after resuming, once each, none from before')
  await resumed.close()
})

test('e-mail off: no e-mail, but the notification is still written and pushed', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const patched = await traveler.request('PATCH', '/api/me/preferences', { email_notifications: false })
  assert.deepEqual([patched.status, patched.body], [200, { preferences: { email_notifications: false } }])
  const live = await openLive(stack.url, traveler)
  const booking = await book(traveler, property.id, 40)
  assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
  const pushed = await live.next('the acceptance', m => m.type === 'notification')
  assert.equal(pushed.notification.booking_id, booking.id)
  await emailCaughtUp()
  assert.equal(sink.to(traveler.user!.email).length, 0, 'no e-mail to the traveler')
  assert.equal(sink.to(owner.user!.email).length, 1, 'the owner (preference on) got the request')
  const { rows } = await stack.db.query('SELECT status FROM email_messages WHERE recipient_id = $1', [traveler.user!.id])
  assert.deepEqual(rows, [{ status: 'skipped' }])
  await live.close()
})

test('a socket whose session is logged out is closed (4401)', async () => {
  const user = await signUp(stack.url, 'traveler')
  const live = await openLive(stack.url, user)
  await live.next('ready', m => m.type === 'ready')
  assert.equal((await user.post('/api/auth/logout')).status, 204)
  const closed = await live.closed
  assert.equal(closed.code, 4401)
})
