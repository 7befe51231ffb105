import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { UnsubscribeTokens } from '../src/notifications/unsubscribe.ts'
import { book, Client, listProperty } from './helpers/http.ts'
import { openLive, type LiveSocket } from './helpers/live.ts'
import { smtpSink, type Received } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'
import { expireOne } from './helpers/expiry.ts'

// Issue 17: every party is told of every change they did not make, and never of their own: in the inbox, live and
// by e-mail, on the real stack (Kafka, PostgreSQL, the three notification groups, a real SMTP server). The e-mails
// are read as their recipients read them: words, dates in their locale and time zone, links on APP_URL, and the
// one-click unsubscribe (RFC 8058) that works without a session for that one person.

const APP_URL = 'https://hostly.test'
const KEY = 'the unsubscribe key of the parties test, 32 characters'
const GROUPS = ['owner-service-group', 'traveler-service-group', 'email-service-group']

let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
let owner: Client, tom: Client, una: Client
let sockets: Map<Client, LiveSocket>
const ids: Record<string, number> = {}

/** A traveler who reads Portuguese dates in New York. */
async function signUpAs (role: 'owner' | 'traveler', name: string, locale: string, timeZone: string) {
  const client = new Client(stack.url)
  const res = await client.post('/api/auth/register', { name, email: `${name.toLowerCase()}-${randomUUID()}@example.com`, password: 'correct horse', role, locale, time_zone: timeZone })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  client.user = res.body.user
  return client
}

/** Every event of the booking, once each of the three groups has processed it (its effects are then committed). */
async function settled (bookingId: number, events: number) {
  await waitFor(`${events} events of booking ${bookingId} processed by the three groups`, async () => {
    const { rows: [{ n }] } = await stack.db.query(
      `SELECT count(*)::int AS n FROM outbox o JOIN processed_events p ON p.event_id = o.event_id
        WHERE o.key = $1 AND p.consumer_group = ANY($2)`, [String(bookingId), GROUPS])
    return n === events * GROUPS.length - 1 // the traveler service does not read booking-created
  })
}

const notices = async (bookingId: number) => (await stack.db.query(
  'SELECT user_id, type, message FROM notifications WHERE booking_id = $1 ORDER BY id', [bookingId])).rows
const flat = (s: string) => s.replace(/\s+/gu, ' ')

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler', 'email'] },
    env: { SMTP_URL: sink.url, APP_URL, UNSUBSCRIBE_KEY: KEY, BOOKING_PENDING_TTL: '30d' }
  })
  owner = await signUpAs('owner', 'Olivia', 'en-GB', 'Europe/Lisbon')
  tom = await signUpAs('traveler', 'Tomas', 'pt-PT', 'America/New_York')
  una = await signUpAs('traveler', 'Una', 'en', 'UTC')
  sockets = new Map()
  for (const c of [owner, tom, una]) sockets.set(c, await openLive(stack.url, c))

  const property = await listProperty(owner, { name: 'Alfama Loft', price_per_night: 120, currency: 'USD' })
  // Tom asks for a stay; Una, then Tom himself, ask for dates overlapping it; the owner accepts Tom's first.
  ids.accepted = (await book(tom, property.id, 30, 3)).id
  ids.taken = (await book(una, property.id, 31, 3)).id
  ids.ownTaken = (await book(tom, property.id, 32, 1)).id
  assert.equal((await owner.post(`/api/bookings/${ids.accepted}/accept`)).status, 200)
  ids.declined = (await book(una, property.id, 60, 2)).id
  assert.equal((await owner.post(`/api/bookings/${ids.declined}/cancel`)).status, 200)
  ids.withdrawn = (await book(una, property.id, 80, 2)).id
  assert.equal((await una.post(`/api/bookings/${ids.withdrawn}/cancel`)).status, 200)
  assert.equal((await tom.post(`/api/bookings/${ids.accepted}/cancel`)).status, 200) // the guest cancels the stay
  ids.hostCancelled = (await book(tom, property.id, 100, 2)).id
  assert.equal((await owner.post(`/api/bookings/${ids.hostCancelled}/accept`)).status, 200)
  assert.equal((await owner.post(`/api/bookings/${ids.hostCancelled}/cancel`)).status, 200)
  ids.expired = (await book(una, property.id, 120, 2)).id
  await expireOne(stack.db) // as the sweeper does once BOOKING_PENDING_TTL has passed

  for (const [name, events] of Object.entries({ accepted: 3, taken: 2, ownTaken: 2, declined: 2, withdrawn: 2, hostCancelled: 3, expired: 2 })) {
    await settled(ids[name], events)
  }
})
after(async () => {
  for (const s of sockets?.values() ?? []) await s.close()
  await stack?.stop()
  await sink?.stop()
})

test('each change tells exactly the parties who did not make it, in words that say what happened', async () => {
  const [o, t, u] = [owner.user!.id, tom.user!.id, una.user!.id]
  const expected: Record<string, Array<[number, string, RegExp]>> = {
    // requested (owner), accepted (Tom), cancelled by the guest himself (the owner only)
    accepted: [[o, 'booking_requested', /Tomas requested Alfama Loft/], [t, 'booking_accepted', /was accepted by the host/],
      [o, 'booking_cancelled', /The guest cancelled the stay/]],
    taken: [[o, 'booking_requested', /Una requested/], [u, 'booking_cancelled', /another stay was accepted for these dates/]],
    ownTaken: [[o, 'booking_requested', /Tomas requested/], [t, 'booking_cancelled', /your other request for these dates was accepted/]],
    declined: [[o, 'booking_requested', /Una requested/], [u, 'booking_cancelled', /was declined by the host/]],
    withdrawn: [[o, 'booking_requested', /Una requested/], [o, 'booking_cancelled', /The guest withdrew the request/]],
    hostCancelled: [[o, 'booking_requested', /Tomas requested/], [t, 'booking_accepted', /accepted/], [t, 'booking_cancelled', /was cancelled by the host/]],
    expired: [[o, 'booking_requested', /Una requested/], [u, 'booking_cancelled', /the host did not answer in time/], [o, 'booking_cancelled', /expired: it was not answered in time/]]
  }
  for (const [name, want] of Object.entries(expected)) {
    const got = await notices(ids[name])
    assert.deepEqual(got.map(n => [n.user_id, n.type]).sort(), want.map(([user, type]) => [user, type]).sort(), `${name}: ${JSON.stringify(got)}`)
    for (const [user, type, words] of want) {
      assert.ok(got.some(n => n.user_id === user && n.type === type && words.test(n.message)), `${name}: ${words} in ${JSON.stringify(got)}`)
    }
    for (const n of got) assert.doesNotMatch(n.message, /booked by someone else|\d{4}-\d{2}-\d{2}/, `${name}: ${n.message}`)
  }
})

test('each notification reaches its recipient live, and no one else; each has its e-mail, to its recipient only', async () => {
  for (const [client, socket] of sockets) {
    const { rows } = await stack.db.query('SELECT id FROM notifications WHERE user_id = $1 ORDER BY id', [client.user!.id])
    await waitFor(`${rows.length} live notifications of ${client.user!.name}`, () => socket.notifications().length >= rows.length)
    assert.deepEqual(socket.notifications().map((n: { id: number }) => n.id).sort((a: number, b: number) => a - b), rows.map(r => r.id), client.user!.name)
    // Every notification has one e-mail, to the same person, about the same booking; no e-mail without one.
    const { rows: mine } = await stack.db.query('SELECT booking_id FROM notifications WHERE user_id = $1', [client.user!.id])
    const mails = await waitFor(`${mine.length} e-mails to ${client.user!.name}`, () => {
      const m = sink.to(client.user!.email)
      return m.length >= mine.length ? m : undefined
    })
    assert.equal(mails.length, mine.length, client.user!.name)
    const about = (m: Received) => Number(/\/bookings\/(\d+)/.exec(m.text)?.[1])
    assert.deepEqual(mails.map(about).sort(), mine.map(r => r.booking_id).sort())
  }
  // Bookings move live for both parties: the traveler's own cancellation reaches the owner's tab.
  const ownerSocket = sockets.get(owner)!
  const frame = await ownerSocket.next('the cancelled stay on the owner\'s tab',
    m => m.type === 'booking' && m.booking.id === ids.accepted && m.booking.status === 'cancelled')
  assert.equal(frame.booking.reason, 'traveler_cancelled')
  assert.equal(frame.booking.previous_status, 'accepted')
})

test('an e-mail reads right for a pt-PT reader in New York: dates, amount, time, links on APP_URL, RFC 8058 headers', async () => {
  const [mail] = sink.to(tom.user!.email).filter(m => /\/bookings\/(\d+)/.exec(m.text)?.[1] === String(ids.accepted) && /accepted/.test(m.text))
  assert.ok(mail, 'Tom\'s acceptance e-mail')
  const { rows: [b] } = await stack.db.query('SELECT start_date, end_date, total_price, updated_at FROM bookings WHERE id = $1', [ids.accepted])
  const { rows: [accepted] } = await stack.db.query("SELECT at FROM booking_history WHERE booking_id = $1 AND status = 'accepted'", [ids.accepted])
  // pt-PT's medium date style is all digits (06/12/2026): the month is written out, in the long style.
  const day = new Intl.DateTimeFormat('pt-PT', { dateStyle: 'long', timeZone: 'UTC' })
  const time = new Intl.DateTimeFormat('pt-PT', { dateStyle: 'long', timeStyle: 'short', timeZone: 'America/New_York' })
  const when = { format: (at: Date) => `${time.format(at)} (Hora oriental norte-americana)` }
  const text = flat(mail.text)
  assert.ok(text.includes(flat(day.format(new Date(`${b.start_date}T00:00:00Z`)))), text)
  assert.ok(text.includes(flat(day.format(new Date(`${b.end_date}T00:00:00Z`)))), text)
  assert.ok(text.includes(flat(new Intl.NumberFormat('pt-PT', { style: 'currency', currency: 'USD' }).format(b.total_price))), text)
  assert.ok(text.includes(flat(when.format(accepted.at))), `${when.format(accepted.at)} in ${text}`)
  assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, 'no ISO dates')
  assert.match(text, /\b\d{1,2} de (janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro) de \d{4} às \d{2}:\d{2} \(Hora oriental norte-americana\)/, 'the When line: a written-out month, the time and the zone by name')
  assert.doesNotMatch(text, /\d{1,2}\/\d{1,2}\/\d{4}|GMT/, 'no numeric dates, no offsets')
  console.log(`--- an e-mail as ${tom.user!.name} (pt-PT, America/New_York) reads it ---\nSubject: ${mail.subject}\n${mail.text}`)

  for (const m of sink.received) {
    const links = [...m.text.matchAll(/https?:\/\/\S+/g)].map(x => x[0])
    assert.ok(links.length >= 3, m.text)
    for (const link of links) assert.ok(link.startsWith(`${APP_URL}/`), link)
    assert.ok(links.some(l => /^https:\/\/hostly\.test\/bookings\/\d+$/.test(l)))
    assert.ok(links.includes(`${APP_URL}/settings`))
    assert.ok(links.some(l => l.startsWith(`${APP_URL}/unsubscribe?token=`)))
    for (const href of m.html.matchAll(/href="([^"]+)"/g)) assert.ok(href[1].startsWith(`${APP_URL}/`), href[1])
    assert.match(m.listUnsubscribe, /^List-Unsubscribe:\s+<https:\/\/hostly\.test\/api\/unsubscribe\?token=[\w.-]+>$/i)
    assert.match(m.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m)
  }
})

test('one-click unsubscribe: GET never unsubscribes; a form POST from no session turns e-mail off for that person only', async () => {
  const linkOf = (who: Client) => new URL(/<([^>]+)>/.exec(sink.to(who.user!.email)[0].listUnsubscribe)![1])
  const local = (url: URL) => `${stack.url}${url.pathname}${url.search}`
  const wants = async (who: Client) => (await stack.db.query(
    'SELECT coalesce((SELECT email_notifications FROM user_preferences WHERE user_id = $1), true) AS on', [who.user!.id])).rows[0].on

  // A link scanner's GET changes nothing.
  const scanned = await fetch(local(linkOf(tom)), { redirect: 'manual' })
  assert.equal(scanned.status, 404)
  assert.equal(await wants(tom), true)

  // The mail client's POST (RFC 8058): a form body, no cookie, not from the app's pages.
  const res = await fetch(local(linkOf(una)), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://mail.example' },
    body: 'List-Unsubscribe=One-Click'
  })
  assert.equal(res.status, 200)
  const body = await res.json() as { unsubscribed: boolean, email: string }
  assert.equal(body.unsubscribed, true)
  assert.match(body.email, /^u\*\*\*@example\.com$/)
  assert.equal(await wants(una), false)
  assert.equal(await wants(tom), true, 'only the link\'s person')
  assert.equal(await wants(owner), true, 'only the link\'s person')
  // The same link again, and from the web page (JSON), is the same answer.
  assert.equal((await new Client(stack.url).post(`${linkOf(una).pathname}${linkOf(una).search}`, {})).status, 200)

  // Una is told of the next change in the inbox, and no longer by e-mail.
  const property = (await stack.db.query('SELECT property_id FROM bookings WHERE id = $1', [ids.expired])).rows[0].property_id
  const next = (await book(una, property, 200, 2)).id
  assert.equal((await owner.post(`/api/bookings/${next}/cancel`)).status, 200)
  await settled(next, 2)
  const { rows } = await stack.db.query('SELECT recipient_id, status FROM email_messages m JOIN outbox o ON o.event_id = m.event_id WHERE o.key = $1', [String(next)])
  assert.deepEqual(rows.map(r => [r.recipient_id, r.status]).sort(), [[owner.user!.id, 'sent'], [una.user!.id, 'skipped']].sort())
  assert.equal((await notices(next)).filter(n => n.user_id === una.user!.id).length, 1)
})

test('forged, altered, another person\'s and expired unsubscribe tokens are 400 INVALID_UNSUBSCRIBE_TOKEN and change nothing', async () => {
  const tokens = new UnsubscribeTokens(KEY, 60_000)
  const good = tokens.make(tom.user!.id)
  const [payload, signature] = good.split('.')
  const flip = (s: string) => s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1)
  const bad = {
    none: '',
    forged: 'dTE6MTo5OTk5OTk5OTk5.AAAA',
    'signed with another key': new UnsubscribeTokens('another key of 32 characters or more!', 60_000).make(tom.user!.id),
    'altered signature': `${payload}.${flip(signature)}`,
    'another person': `${Buffer.from(`u1:${owner.user!.id}:${Buffer.from(payload, 'base64url').toString().split(':')[2]}`).toString('base64url')}.${signature}`,
    'with a stray character': `${payload}.${signature}!`,
    expired: tokens.make(tom.user!.id, Date.now() - 120_000)
  }
  for (const [what, token] of Object.entries(bad)) {
    const res = await new Client(stack.url).post(`/api/unsubscribe${token ? `?token=${encodeURIComponent(token)}` : ''}`, {})
    assert.equal(res.status, 400, what)
    assert.equal(res.body.code, 'INVALID_UNSUBSCRIBE_TOKEN', what)
  }
  const { rows } = await stack.db.query('SELECT user_id FROM user_preferences WHERE email_notifications = false AND user_id = ANY($1)', [[tom.user!.id, owner.user!.id]])
  assert.deepEqual(rows, [])
})

test('the booking page\'s data: reason and previous_status in real records, the history with who, the caller\'s actions', async () => {
  const detail = async (who: Client, id: number) => (await who.get(`/api/bookings/${id}`)).body
  const stayCancelled = await detail(owner, ids.accepted)
  assert.deepEqual([stayCancelled.booking.reason, stayCancelled.booking.previous_status, stayCancelled.booking.currency], ['traveler_cancelled', 'accepted', 'USD'])
  assert.deepEqual(stayCancelled.history.map((h: { status: string, by: string }) => `${h.status}:${h.by}`), ['pending:traveler', 'accepted:owner', 'cancelled:traveler'])
  assert.deepEqual((await detail(una, ids.taken)).history.map((h: { reason: string | null, by: string }) => `${h.reason}:${h.by}`), ['null:traveler', 'dates_taken:hostly'])
  assert.deepEqual((await detail(una, ids.expired)).booking.previous_status, 'pending')
  assert.deepEqual((await detail(tom, ids.hostCancelled)).booking.reason, 'owner_declined')
  assert.deepEqual((await detail(tom, ids.hostCancelled)).booking.previous_status, 'accepted')
})
