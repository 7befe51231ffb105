import assert from 'node:assert/strict'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { assertSignedOut, book, Client, listProperty, signUp } from './helpers/http.ts'
import { pngOf, upload } from './helpers/images.ts'
import { openLive } from './helpers/live.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// Deleting an account (POST /api/me/deletion): its requests and stays not yet begun cancelled through the stored
// functions, the other party told why (inbox, live, e-mail) once each; its places unlisted and their photos' files
// gone; the person's own things gone and the row emptied; what the other party needs kept, as "Deleted account".

let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
let mediaDir: string
before(async () => {
  sink = await smtpSink()
  mediaDir = await mkdtemp(join(tmpdir(), 'hostly-media-'))
  stack = await startStack({ pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'email'] }, env: { SMTP_URL: sink.url, MEDIA_DIR: mediaDir } })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
})

const PASSWORD = 'correct horse' // signUp's
const files = async () => (await readdir(mediaDir).catch(() => [])).sort()

/** The notifications of a booking in the client's inbox. */
async function noticesOf (client: Client, bookingId: number) {
  const { body } = await client.get('/api/notifications?limit=100')
  return (body.notifications as Array<{ booking_id: number, message: string }>).filter(n => n.booking_id === bookingId)
}

/** Waits for the booking's cancellation notice in the client's inbox (its newest notice), and returns it. */
const toldOf = (client: Client, bookingId: number, words: RegExp) =>
  waitFor(`the notice of booking ${bookingId}`, async () => (await noticesOf(client, bookingId)).find(n => words.test(n.message)))

const statusOf = async (id: number) => (await stack.db.query('SELECT status, reason, previous_status FROM bookings WHERE id = $1', [id])).rows[0]

/** An accepted stay moved into the past (no request may be made for past dates): a stay that happened. */
async function pastStay (guest: Client, host: Client, propertyId: number, inDays: number) {
  const b = await book(guest, propertyId, inDays)
  assert.equal((await host.post(`/api/bookings/${b.id}/accept`)).status, 200)
  await stack.db.query('UPDATE bookings SET start_date = current_date - 10, end_date = current_date - 7 WHERE id = $1', [b.id])
  return b
}

describe('a traveler deletes their account', () => {
  test('the pending request is withdrawn and the future stay cancelled, the host told each once (inbox, live, e-mail) why; the past stay and the messages are kept', async () => {
    const host = await signUp(stack.url, 'owner', 'Hana Host')
    const place = await listProperty(host, { name: 'Quay House' })
    const pat = await signUp(stack.url, 'traveler', 'Pat Leaving')
    await pat.request('PATCH', '/api/me', { about: 'I love quays', city: 'Porto', languages: ['pt'] })
    assert.equal((await upload(pat, '/api/me/avatar', await pngOf(300, 300), 'image/png', 'PUT')).status, 200)
    const avatarFiles = await files()
    assert.ok(avatarFiles.length > 0)
    assert.equal((await pat.post(`/api/properties/${place.id}/questions`, { text: 'Is there a lift?' })).status, 201)
    const pending = await book(pat, place.id, 10)
    const future = await book(pat, place.id, 20)
    assert.equal((await host.post(`/api/bookings/${future.id}/accept`)).status, 200)
    const past = await pastStay(pat, host, place.id, 30)
    assert.equal((await pat.request('PUT', `/api/favorites/${place.id}`)).status, 204)
    // The host's inbox has the three requests; what follows is counted after them.
    await waitFor('the requests in the host\'s inbox', async () => (await noticesOf(host, past.id)).length > 0 || undefined)
    await waitFor('both acceptances e-mailed to the guest', () => sink.to(pat.user!.email).filter(m => /^Your stay is confirmed/.test(m.subject)).length >= 2 || undefined)
    const live = await openLive(stack.url, host)

    const preview = await pat.get('/api/me/deletion')
    assert.equal(preview.status, 200)
    assert.deepEqual(preview.body, { requests_withdrawn: 1, stays_cancelled: 1, requests_declined: 0, hosted_stays_cancelled: 0, properties_unlisted: 0 })

    const res = await pat.post('/api/me/deletion', { password: PASSWORD })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, preview.body, 'it did what the preview said')
    assert.match(res.headers.get('set-cookie') ?? '', /hostly_session=;/, 'the cookie is cleared')

    // Through cancel_booking(), as the traveler: the usual reasons, and the history says why.
    assert.deepEqual(await statusOf(pending.id), { status: 'cancelled', reason: 'traveler_cancelled', previous_status: 'pending' })
    assert.deepEqual(await statusOf(future.id), { status: 'cancelled', reason: 'traveler_cancelled', previous_status: 'accepted' })
    assert.deepEqual(await statusOf(past.id), { status: 'accepted', reason: null, previous_status: null }, 'the past stay is kept')
    const { rows: history } = await stack.db.query(
      "SELECT booking_id, by, cause FROM booking_history WHERE booking_id = ANY($1) AND status = 'cancelled' ORDER BY booking_id", [[pending.id, future.id]])
    assert.deepEqual(history.map(h => ({ ...h, booking_id: Number(h.booking_id) })),
      [{ booking_id: pending.id, by: 'traveler', cause: 'account_deleted' }, { booking_id: future.id, by: 'traveler', cause: 'account_deleted' }])

    const seen = (await host.get(`/api/bookings/${future.id}`)).body.history.at(-1)
    assert.deepEqual([seen.status, seen.reason, seen.by, seen.cause], ['cancelled', 'traveler_cancelled', 'traveler', 'account_deleted'], 'the booking page says why')

    // The host is told, in words that say why: the inbox, the open tab, the e-mail.
    const withdrawn = await toldOf(host, pending.id, /deleted their account/)
    assert.match(withdrawn.message, /^The guest deleted their account, so their request for Quay House from .+ is withdrawn\.$/)
    const cancelled = await toldOf(host, future.id, /deleted their account/)
    assert.match(cancelled.message, /^The guest deleted their account, so their stay at Quay House from .+ is cancelled and those nights are free again\.$/)
    await live.next('the live notice of the withdrawal', m => m.type === 'notification' && m.notification.booking_id === pending.id && /deleted their account/.test(m.notification.message))
    await live.next('the live notice of the stay', m => m.type === 'notification' && m.notification.booking_id === future.id && /deleted their account/.test(m.notification.message))
    const mails = await waitFor('both e-mails to the host', () => {
      const m = sink.to(host.user!.email).filter(x => /the guest deleted their account/.test(x.subject))
      return m.length >= 2 ? m : undefined
    })
    assert.deepEqual(mails.map(m => m.subject.replace(/:.*?:/, ':').split(':')[0]).sort(),
      ['Request withdrawn', 'Stay cancelled'])
    // Once each: the relay and the consumers are done with these bookings (a later change would come after).
    assert.equal((await noticesOf(host, pending.id)).filter(n => /deleted/.test(n.message)).length, 1)
    assert.equal((await noticesOf(host, future.id)).filter(n => /deleted/.test(n.message)).length, 1)
    assert.equal(live.notifications().filter(n => /deleted/.test(n.message)).length, 2)
    await live.close()

    // What the host still sees: the past stay, from "Deleted account", with no profile; the question asked.
    const kept = await host.get(`/api/bookings/${past.id}`)
    assert.equal(kept.status, 200)
    assert.deepEqual({ name: kept.body.traveler.name, about: kept.body.traveler.about, city: kept.body.traveler.city, languages: kept.body.traveler.languages, avatar: kept.body.traveler.avatar },
      { name: 'Deleted account', about: '', city: '', languages: [], avatar: null })
    assert.equal(kept.body.traveler.deleted, true)
    assert.equal(kept.body.owner.deleted, false)
    const threads = await host.get('/api/threads')
    assert.equal(threads.body.threads.length, 1, 'the conversation is kept')
    assert.deepEqual(threads.body.threads[0].other, { id: pat.user!.id, name: 'Deleted account', deleted: true })
    const reply = await host.post(`/api/threads/${threads.body.threads[0].id}/messages`, { text: 'Are you still coming?' })
    assert.equal(reply.status, 409, 'a message to a deleted account reaches no one')
    assert.equal(reply.body.code, 'ACCOUNT_DELETED')
    const { rows: [{ n: messages }] } = await stack.db.query('SELECT count(*)::int AS n FROM messages WHERE sender_id = $1', [pat.user!.id])
    assert.equal(messages, 1)

    // The account: signed out, its row emptied, its things gone, its avatar's files removed.
    await assertSignedOut(pat, 'the old session is refused')
    assert.equal((await pat.get('/api/me/export')).status, 401, 'no export after deletion')
    assert.equal((await pat.post('/api/me/deletion', { password: PASSWORD })).status, 401, 'deleting twice: the session is gone')
    assert.equal((await new Client(stack.url).post('/api/auth/login', { email: pat.user!.email, password: PASSWORD })).status, 401)
    const { rows: [row] } = await stack.db.query('SELECT name, email, password_hash, about, city, languages, avatar, deleted_at FROM users WHERE id = $1', [pat.user!.id])
    assert.equal(row.name, 'Deleted account')
    assert.equal(row.email, `deleted-${pat.user!.id}@deleted.invalid`)
    assert.equal(row.password_hash, '!')
    assert.deepEqual([row.about, row.city, row.languages, row.avatar], ['', '', [], null])
    assert.ok(row.deleted_at)
    for (const table of ['sessions', 'favorites', 'notifications', 'account_tokens']) {
      const { rows: [{ n }] } = await stack.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [pat.user!.id])
      assert.equal(n, 0, table)
    }
    assert.deepEqual(await files(), [], 'the avatar\'s files are removed')
    const { rows: [{ n: addressed }] } = await stack.db.query('SELECT count(*)::int AS n FROM email_messages WHERE lower(address) = lower($1)', [pat.user!.email])
    assert.equal(addressed, 0, 'the e-mail log keeps no row with the old address')
    const { rows: [{ n: logged }] } = await stack.db.query('SELECT count(*)::int AS n FROM email_messages WHERE recipient_id = $1', [pat.user!.id])
    assert.ok(logged > 0, 'the e-mail sent to the guest (the acceptance) is in the log, its address replaced')

    // The address is free: a new account signs up with it, and is a new person.
    const again = await new Client(stack.url).post('/api/auth/register', { name: 'Pat Again', email: pat.user!.email, password: PASSWORD, role: 'traveler' })
    assert.equal(again.status, 201, JSON.stringify(again.body))
    assert.notEqual(again.body.user.id, pat.user!.id)
    assert.equal((await new Client(stack.url).get('/api/auth/me')).body.user, null)
  })

  test('a wrong password is 400 WRONG_PASSWORD and nothing changes', async () => {
    const host = await signUp(stack.url, 'owner')
    const place = await listProperty(host)
    const guest = await signUp(stack.url, 'traveler', 'Wes Wrong')
    const pending = await book(guest, place.id, 10)
    const res = await guest.post('/api/me/deletion', { password: 'not my password' })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'WRONG_PASSWORD')
    assert.deepEqual(res.body.details, [{ field: 'password', message: 'The current password is wrong.' }])
    assert.equal((await statusOf(pending.id)).status, 'pending')
    const me = await guest.get('/api/auth/me')
    assert.equal(me.body.user.name, 'Wes Wrong', 'still signed in, the account as it was')
    const { rows: [{ n }] } = await stack.db.query("SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND payload::json ->> 'status' = 'cancelled'", [String(pending.id)])
    assert.equal(n, 0, 'no event')
    assert.equal((await guest.post('/api/me/deletion', {})).status, 400, 'no password: 400')
    assert.equal((await new Client(stack.url).post('/api/me/deletion', { password: PASSWORD })).status, 401)
  })

  test('two deletions at once: one does it, the other is refused; the host is told once', async () => {
    const host = await signUp(stack.url, 'owner')
    const place = await listProperty(host)
    const guest = await signUp(stack.url, 'traveler', 'Dee Double')
    const pending = await book(guest, place.id, 10)
    const [a, b] = await Promise.all([guest.post('/api/me/deletion', { password: PASSWORD }), guest.post('/api/me/deletion', { password: PASSWORD })])
    const statuses = [a.status, b.status].sort()
    assert.equal(statuses[0], 200, JSON.stringify([a.body, b.body]))
    assert.ok([400, 401].includes(statuses[1]), `the second: ${statuses[1]}`)
    await toldOf(host, pending.id, /deleted their account/)
    const { rows: [{ n }] } = await stack.db.query("SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND payload::json ->> 'status' = 'cancelled'", [String(pending.id)])
    assert.equal(n, 1, 'one cancellation event')
  })
})

describe('a request on its way while the account is deleted', () => {
  test('a request on its way while the account is deleted waits for the deletion, then writes nothing (401)', async () => {
    const host = await signUp(stack.url, 'owner')
    const place = await listProperty(host)
    const guest = await signUp(stack.url, 'traveler', 'Tia Twotabs')
    const id = guest.user!.id
    // The deletion, as deleteAccount() runs it (src/account/deletion.ts), held before its COMMIT: the row locked, the
    // bookings closed, the row emptied. The guest's session is still valid to everyone else until it commits.
    const deletion = await stack.db.connect()
    try {
      await deletion.query('BEGIN')
      const { rows: [{ pid: deletionPid }] } = await deletion.query('SELECT pg_backend_pid() AS pid')
      await deletion.query('SELECT deleted_at FROM users WHERE id = $1 FOR NO KEY UPDATE', [id])
      await deletion.query('SELECT * FROM close_account($1, $2)', [id, TOPICS.statusUpdated])
      await deletion.query("UPDATE users SET name = 'Deleted account', deleted_at = now() WHERE id = $1", [id])

      // The other tab's request: its session checked, request_booking() waits for the deletion's lock.
      let answered = false
      const request = guest.post('/api/bookings', { property_id: place.id, ...stay(10), num_guests: 1 }).finally(() => { answered = true })
      await waitFor('the request waiting for the deletion', async () => (await stack.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%request_booking(%' AND $1::int = ANY (pg_blocking_pids(pid))", [deletionPid])).rowCount)
      assert.equal(answered, false, 'it waits for the deletion')
      await deletion.query('COMMIT')

      const res = await request
      assert.equal(res.status, 401, JSON.stringify(res.body))
      assert.equal(res.body.code, 'UNAUTHORIZED')
    } finally {
      await deletion.query('ROLLBACK').catch(() => {})
      deletion.release()
    }
    const { rows } = await stack.db.query('SELECT id, status FROM bookings WHERE traveler_id = $1', [id])
    assert.deepEqual(rows, [], 'no request from a deleted account')
    const { rows: [{ n }] } = await stack.db.query("SELECT count(*)::int AS n FROM outbox WHERE payload::json ->> 'traveler_id' = $1", [String(id)])
    assert.equal(n, 0, 'no event')
  })

  test('a guest\'s request at a place whose host is deleting their account: neither waits for the other in a cycle', async () => {
    const host = await signUp(stack.url, 'owner', 'Cy Cycle')
    const place = await listProperty(host)
    // request_booking() midway (src/bookings/booking.sql), held open: it has the place FOR SHARE; its insert's
    // foreign key will next take KEY SHARE on the host's row.
    const request = await stack.db.connect()
    try {
      await request.query('BEGIN')
      const { rows: [{ pid }] } = await request.query('SELECT pg_backend_pid() AS pid')
      await request.query('SELECT 1 FROM properties WHERE id = $1 FOR SHARE', [place.id])
      // The host's deletion, the real route: it locks the host's row, then close_account() waits for the place.
      const deletion = host.post('/api/me/deletion', { password: PASSWORD })
      await waitFor('the deletion waiting for the place', async () => (await stack.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%close_account(%' AND $1::int = ANY (pg_blocking_pids(pid))", [pid])).rowCount)
      // With the host's row held FOR UPDATE this waited on the deletion, which waits on it: PostgreSQL's deadlock
      // detector then failed one of the two (40P01) after deadlock_timeout.
      await request.query('SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE', [host.user!.id])
      await request.query('COMMIT')
      const res = await deletion
      assert.equal(res.status, 200, JSON.stringify(res.body))
    } finally {
      await request.query('ROLLBACK').catch(() => {})
      request.release()
    }
  })
})

describe('a host deletes their account', () => {
  test('requests at their place declined and the future stay cancelled, each guest told why; the place unlisted, its photos\' files gone', async () => {
    const host = await signUp(stack.url, 'owner', 'Hugo Leaving')
    const place = await listProperty(host, { name: 'Dune Cabin' })
    const before = await files()
    assert.equal((await upload(host, `/api/properties/${place.id}/photos`, await pngOf(800, 600), 'image/png')).status, 201)
    const photoFiles = (await files()).filter(f => !before.includes(f))
    assert.ok(photoFiles.length > 0)
    const asker = await signUp(stack.url, 'traveler', 'Ada Asking')
    const staying = await signUp(stack.url, 'traveler', 'Sam Staying')
    const request = await book(asker, place.id, 10)
    const stayBooked = await book(staying, place.id, 20)
    assert.equal((await host.post(`/api/bookings/${stayBooked.id}/accept`)).status, 200)
    await toldOf(staying, stayBooked.id, /accepted/)

    const preview = (await host.get('/api/me/deletion')).body
    assert.deepEqual(preview, { requests_withdrawn: 0, stays_cancelled: 0, requests_declined: 1, hosted_stays_cancelled: 1, properties_unlisted: 1 })
    const res = await host.post('/api/me/deletion', { password: PASSWORD })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, preview)

    assert.deepEqual(await statusOf(request.id), { status: 'cancelled', reason: 'owner_declined', previous_status: 'pending' })
    assert.deepEqual(await statusOf(stayBooked.id), { status: 'cancelled', reason: 'owner_declined', previous_status: 'accepted' })
    const declined = await toldOf(asker, request.id, /deleted their account/)
    assert.match(declined.message, /^The host deleted their account, so your request for Dune Cabin from .+ is declined\.$/)
    const cancelled = await toldOf(staying, stayBooked.id, /deleted their account/)
    assert.match(cancelled.message, /^The host deleted their account, so your stay at Dune Cabin from .+ is cancelled\.$/)
    await waitFor('the e-mail to the guest who asked', () => sink.to(asker.user!.email).find(m => /^Request declined: the host deleted their account/.test(m.subject)))
    await waitFor('the e-mail to the guest who was to stay', () => sink.to(staying.user!.email).find(m => /^Stay cancelled: the host deleted their account/.test(m.subject)))
    assert.equal((await noticesOf(asker, request.id)).filter(n => /deleted/.test(n.message)).length, 1)
    assert.equal((await noticesOf(staying, stayBooked.id)).filter(n => /deleted/.test(n.message)).length, 1)

    // The place: unlisted (no new request, out of search), without photos, their files removed; its page still says what it was.
    const page = await new Client(stack.url).get(`/api/properties/${place.id}`)
    assert.equal(page.body.property.listed, false)
    assert.deepEqual(page.body.property.photos, [])
    for (const f of photoFiles) assert.ok(!(await files()).includes(f), `${f} removed`)
    const refused = await staying.post('/api/bookings', { property_id: place.id, ...stay(40), num_guests: 1 })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'PROPERTY_UNLISTED')
    // The guest's booking page: the host reads "Deleted account".
    assert.equal((await staying.get(`/api/bookings/${stayBooked.id}`)).body.owner.name, 'Deleted account')
  })
})
