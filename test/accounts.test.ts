import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// Issue 18's accounts: one account that hosts and travels, the profile the other party sees, passwords, e-mail
// changes, deleting an account and exporting one's data.

const APP = 'http://app.test' // APP_URL: the links the e-mails carry start with it
let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
before(async () => {
  sink = await smtpSink()
  stack = await startStack({ pieces: { api: true, relay: true, workers: ['email'] }, env: { SMTP_URL: sink.url, APP_URL: APP } })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
})

const PASSWORD = 'correct horse' // signUp's
const NEW_PASSWORD = 'lantern orchard quietly'

/** The token of the newest link of this kind e-mailed to the address, once it has arrived. */
async function linkTo (address: string, page: string, after = 0) {
  const mail = await waitFor(`an e-mail to ${address}`, () => sink.to(address).slice(after).at(-1))
  const link = mail.text.match(new RegExp(`${APP}${page}\\?token=([A-Za-z0-9_-]+)`))
  assert.ok(link, mail.text)
  return { token: link[1], mail }
}

async function signIn (email: string, password: string) {
  const c = new Client(stack.url)
  const res = await c.post('/api/auth/login', { email, password })
  return { c, status: res.status }
}

describe('hosting and travelling with one account', () => {
  test('a traveler who starts hosting lists a place and answers requests, and still books elsewhere', async () => {
    const owner = await signUp(stack.url, 'owner', 'Olga Owner')
    const elsewhere = await listProperty(owner)
    const pat = await signUp(stack.url, 'traveler', 'Pat Both')
    assert.equal((await pat.post('/api/properties', {})).status, 403, 'a traveler does not host yet')
    const changed = await pat.request('PATCH', '/api/me', { role: 'both' })
    assert.equal(changed.status, 200)
    assert.equal(changed.body.user.role, 'both')
    const mine = await listProperty(pat)
    const guest = await signUp(stack.url, 'traveler', 'Gus Guest')
    const request = await book(guest, mine.id, 10)
    assert.equal((await pat.post(`/api/bookings/${request.id}/accept`)).status, 200, 'answers requests for the place')
    const trip = await book(pat, elsewhere.id, 20)
    assert.equal((await pat.get('/api/bookings/me')).body.bookings[0].id, trip.id, 'its trips')
    assert.equal((await pat.get('/api/owner/bookings')).body.bookings[0].id, request.id, 'its requests')
    // Each booking's page, from the side the account is on.
    assert.deepEqual((await pat.get(`/api/bookings/${trip.id}`)).body.actions, ['withdraw'])
    assert.deepEqual((await pat.get(`/api/bookings/${request.id}`)).body.actions, ['cancel'])
  })

  test('an owner is told how to travel, starts travelling, and requests a stay at someone else\'s place', async () => {
    const host = await signUp(stack.url, 'owner', 'Hana Host')
    const other = await signUp(stack.url, 'owner', 'Otto Other')
    const place = await listProperty(other)
    const refused = await host.post('/api/bookings', { property_id: place.id, ...stay(5, 2), num_guests: 1 })
    assert.equal(refused.status, 403)
    assert.equal(refused.body.message, 'Only travelers may do this; an owner can start travelling from the settings.')
    assert.equal((await host.request('PATCH', '/api/me', { role: 'both' })).status, 200)
    const trip = await book(host, place.id, 5, 2, 1)
    assert.equal(trip.traveler_id, host.user!.id)
  })

  test('nobody can request a stay at their own place: 403 OWN_PROPERTY, nothing written', async () => {
    const both = await signUp(stack.url, 'traveler', 'Bo Both')
    await both.request('PATCH', '/api/me', { role: 'both' })
    const own = await listProperty(both)
    const res = await both.post('/api/bookings', { property_id: own.id, ...stay(5, 2), num_guests: 1 })
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'OWN_PROPERTY')
    assert.equal(res.body.message, 'You cannot request a stay at your own place.')
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM bookings WHERE property_id = $1', [own.id])
    assert.equal(rows[0].n, 0)
    const outbox = await stack.db.query("SELECT count(*)::int AS n FROM outbox WHERE payload::jsonb ->> 'property_id' = $1", [String(own.id)])
    assert.equal(outbox.rows[0].n, 0, 'no event')
  })

  test('the role only widens to both; registering as both is possible', async () => {
    const t = await signUp(stack.url, 'traveler')
    const back = await t.request('PATCH', '/api/me', { role: 'owner' })
    assert.equal(back.status, 400)
    assert.equal(back.body.details[0].field, 'role')
    const fresh = new Client(stack.url)
    const made = await fresh.post('/api/auth/register', { name: 'Bea Both', email: `both-${Date.now()}@example.com`, password: 'correct horse', role: 'both' })
    assert.equal(made.status, 201)
    assert.equal(made.body.user.role, 'both')
  })
})

describe('the profile the other party sees', () => {
  test('PATCH /api/me writes about, city and languages (canonical, without repeats); the booking shows each party\'s, never an e-mail address', async () => {
    const host = await signUp(stack.url, 'owner', 'Hugo Host')
    const guest = await signUp(stack.url, 'traveler', 'Gina Guest')
    const changed = await guest.request('PATCH', '/api/me', { about: '  Quiet, early riser.\nLoves tiles.  ', city: 'Porto', languages: ['PT-pt', 'en', 'en'] })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.deepEqual([changed.body.user.about, changed.body.user.city, changed.body.user.languages], ['Quiet, early riser.\nLoves tiles.', 'Porto', ['pt-PT', 'en']])
    assert.equal((await guest.get('/api/auth/me')).body.user.city, 'Porto')
    await host.request('PATCH', '/api/me', { city: 'Lisbon', languages: ['pt'] })
    const booking = await book(guest, (await listProperty(host)).id, 12)
    for (const reader of [host, guest]) {
      const res = await reader.get(`/api/bookings/${booking.id}`)
      assert.equal(res.status, 200)
      assert.deepEqual(res.body.traveler, { id: guest.user!.id, name: 'Gina Guest', about: 'Quiet, early riser.\nLoves tiles.', city: 'Porto', languages: ['pt-PT', 'en'], avatar: null, deleted: false })
      assert.deepEqual(res.body.owner, { id: host.user!.id, name: 'Hugo Host', about: '', city: 'Lisbon', languages: ['pt'], avatar: null, deleted: false })
      const text = JSON.stringify(res.body)
      for (const address of [host.user!.email, guest.user!.email]) assert.ok(!text.includes(address), 'no e-mail address in the booking')
      assert.ok(!text.includes('@'), 'nothing that looks like one either')
    }
  })

  test('a language that is none, too many languages, a too-long about and control characters are 400s naming the field', async () => {
    const me = await signUp(stack.url, 'traveler')
    const cases: Array<[unknown, string]> = [
      [{ languages: ['en', 'klingonese-of-mars'] }, 'languages.1'],
      [{ languages: ['zz'] }, 'languages.0'],
      [{ languages: Array.from({ length: 11 }, () => 'en') }, 'languages'],
      [{ about: 'x'.repeat(1001) }, 'about'],
      [{ city: 'Lis\u202Ebon' }, 'city'],
      [{ about: 'bell\u0007' }, 'about']
    ]
    for (const [body, field] of cases) {
      const res = await me.request('PATCH', '/api/me', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.details[0].field, field, JSON.stringify(res.body))
    }
    const { rows } = await stack.db.query('SELECT about, city, languages FROM users WHERE id = $1', [me.user!.id])
    assert.deepEqual(rows[0], { about: '', city: '', languages: [] }, 'nothing written')
  })
})

describe('changing the password', () => {
  test('with the current password: 204, this session stays, every other one ends, the new password signs in', async () => {
    const me = await signUp(stack.url, 'traveler', 'Cara Change')
    const { c: laptop } = await signIn(me.user!.email, PASSWORD)
    const res = await me.post('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    assert.equal((await me.get('/api/auth/me')).body.user.id, me.user!.id, 'this session stays')
    assert.equal((await laptop.get('/api/auth/me')).body.user, null, 'the other session ended')
    assert.equal((await signIn(me.user!.email, PASSWORD)).status, 401)
    assert.equal((await signIn(me.user!.email, NEW_PASSWORD)).status, 200)
  })

  test('a wrong current password is 400 WRONG_PASSWORD, a weak new one 400 naming it; nothing changes', async () => {
    const me = await signUp(stack.url, 'traveler', 'Walt Wrong')
    const wrong = await me.post('/api/me/password', { current_password: 'not my password', new_password: NEW_PASSWORD })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.body.code, 'WRONG_PASSWORD')
    assert.equal(wrong.body.details[0].field, 'current_password')
    for (const weak of ['password1', 'Walt Wrong 1', 'short']) {
      const res = await me.post('/api/me/password', { current_password: PASSWORD, new_password: weak })
      assert.equal(res.status, 400, weak)
      assert.equal(res.body.details[0].field, 'new_password', JSON.stringify(res.body))
    }
    assert.equal((await signIn(me.user!.email, PASSWORD)).status, 200, 'the password is the old one')
    assert.equal((await new Client(stack.url).post('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })).status, 401)
  })

  test('guessing the current password is throttled as failed sign-ins are: 429 after 10, even with the right one', async () => {
    const me = await signUp(stack.url, 'traveler', 'Gus Guesser')
    for (let i = 0; i < 10; i++) assert.equal((await me.post('/api/me/password', { current_password: `guess ${i}`, new_password: NEW_PASSWORD })).status, 400)
    const res = await me.post('/api/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })
    assert.equal(res.status, 429)
    assert.equal(res.body.code, 'TOO_MANY_ATTEMPTS')
    assert.ok(Number(res.headers.get('retry-after')) > 0)
  })
})

describe('resetting a forgotten password by e-mail', () => {
  test('the e-mail carries a link to the web page; the token sets a new password once, and every session ends', async () => {
    const me = await signUp(stack.url, 'traveler', 'Rita Reset')
    const request = await new Client(stack.url).post('/api/password-reset', { email: me.user!.email.toUpperCase() })
    assert.equal(request.status, 202)
    const { token, mail } = await linkTo(me.user!.email, '/reset-password')
    assert.match(mail.subject, /new password/)
    assert.equal(mail.listUnsubscribe, '', 'an account e-mail has no unsubscribe header')
    const { rows } = await stack.db.query('SELECT token_hash FROM account_tokens WHERE user_id = $1', [me.user!.id])
    assert.ok(!JSON.stringify(rows).includes(token) && rows[0].token_hash.length === 32, 'only a hash is stored')
    const anyone = new Client(stack.url)
    const weak = await anyone.post('/api/password-reset/confirm', { token, new_password: 'password' })
    assert.equal(weak.status, 400)
    assert.equal(weak.body.details[0].field, 'new_password')
    assert.equal((await anyone.post('/api/password-reset/confirm', { token, new_password: NEW_PASSWORD })).status, 204, 'a weak try does not use the link up')
    assert.equal((await me.get('/api/auth/me')).body.user, null, 'every session ended')
    assert.equal((await signIn(me.user!.email, NEW_PASSWORD)).status, 200)
    const again = await anyone.post('/api/password-reset/confirm', { token, new_password: 'another fine passphrase' })
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 'INVALID_ACCOUNT_TOKEN')
  })

  test('the same 202 for an address without an account, and no e-mail; a made-up, expired or replaced token is 400', async () => {
    const nobody = `nobody-${Date.now()}@example.com`
    const res = await new Client(stack.url).post('/api/password-reset', { email: nobody })
    assert.equal(res.status, 202)
    assert.equal(res.body, undefined, 'the same empty answer as for an account')
    const me = await signUp(stack.url, 'traveler', 'Ezra Expired')
    await new Client(stack.url).post('/api/password-reset', { email: me.user!.email })
    const first = await linkTo(me.user!.email, '/reset-password')
    await new Client(stack.url).post('/api/password-reset', { email: me.user!.email })
    const second = await linkTo(me.user!.email, '/reset-password', 1)
    assert.notEqual(first.token, second.token)
    assert.equal(sink.to(nobody).length, 0, 'nothing sent to an address without an account')
    const confirm = (token: string) => new Client(stack.url).post('/api/password-reset/confirm', { token, new_password: NEW_PASSWORD })
    assert.equal((await confirm(first.token)).body.code, 'INVALID_ACCOUNT_TOKEN', 'a newer link replaces the older')
    assert.equal((await confirm('made-up-token')).body.code, 'INVALID_ACCOUNT_TOKEN')
    await stack.db.query("UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [me.user!.id])
    const expired = await confirm(second.token)
    assert.equal(expired.status, 400)
    assert.equal(expired.body.code, 'INVALID_ACCOUNT_TOKEN')
    assert.equal((await signIn(me.user!.email, PASSWORD)).status, 200, 'the password is unchanged')
  })

  test('throttled per address (3 an hour) whether or not it has an account, and per client; 429 says when to come back', async () => {
    const me = await signUp(stack.url, 'traveler', 'Theo Throttle')
    for (const email of [me.user!.email, `ghost-${Date.now()}@example.com`]) {
      for (let i = 0; i < 3; i++) assert.equal((await new Client(stack.url).post('/api/password-reset', { email })).status, 202)
      const res = await new Client(stack.url).post('/api/password-reset', { email })
      assert.equal(res.status, 429)
      assert.equal(res.body.message, 'Too many password reset requests; try again in 60 minutes.')
      assert.equal(res.headers.get('retry-after'), '3600')
    }
    // Per client: rows of another 20 addresses from this client within the hour.
    await stack.db.query("INSERT INTO reset_requests (email, client) SELECT 'x' || g || '@example.com', '127.0.0.1' FROM generate_series(1, 20) g")
    assert.equal((await new Client(stack.url).post('/api/password-reset', { email: `fresh-${Date.now()}@example.com` })).status, 429)
    await stack.db.query('DELETE FROM reset_requests')
  })

  test("a reset request does not wait for a recipient's notifications whose user id equals its client's hash", async () => {
    // The notification consumers hold (7243016, user id) while they write a recipient's notifications; the claim's
    // lock for its client is of another class, so nothing makes the two wait for each other.
    const holder = await stack.db.connect()
    const claimer = await stack.db.connect()
    try {
      await holder.query('BEGIN')
      await holder.query("SELECT pg_advisory_xact_lock(7243016, hashtext('127.0.0.1'))")
      await claimer.query("SET lock_timeout = '2s'") // a wait fails the test instead of hanging it
      const { rows: [claim] } = await claimer.query("SELECT claim_reset_request($1, '127.0.0.1', interval '1 hour', 3, 20) AS admitted", [`hash-${Date.now()}@example.com`])
      assert.equal(claim.admitted, true)
    } finally {
      await holder.query('ROLLBACK')
      await claimer.query('RESET lock_timeout')
      holder.release()
      claimer.release()
      await stack.db.query('DELETE FROM reset_requests')
    }
  })

  test('with SMTP down the request is answered at once, and the e-mail is sent when it is back', async () => {
    const me = await signUp(stack.url, 'traveler', 'Sam Smtp')
    await sink.stop()
    try {
      assert.equal((await new Client(stack.url).post('/api/password-reset', { email: me.user!.email })).status, 202)
      await waitFor('a failed try', async () => (await stack.db.query("SELECT 1 FROM account_emails WHERE address = $1 AND status = 'sending' AND error IS NOT NULL", [me.user!.email])).rows[0])
    } finally {
      await sink.start()
    }
    await stack.db.query('UPDATE account_emails SET next_attempt_at = now() WHERE address = $1', [me.user!.email]) // not the backoff's wait
    const { token } = await linkTo(me.user!.email, '/reset-password')
    assert.equal((await new Client(stack.url).post('/api/password-reset/confirm', { token, new_password: NEW_PASSWORD })).status, 204)
  })
})

describe('changing the e-mail address', () => {
  test('a link to the new address; nothing changes until it is opened; then the new address signs in', async () => {
    const me = await signUp(stack.url, 'traveler', 'Elle Email')
    const old = me.user!.email
    const next = `new-${Date.now()}@example.com`
    assert.equal((await me.post('/api/me/email', { new_email: next, password: PASSWORD })).status, 202)
    const { token, mail } = await linkTo(next, '/confirm-email')
    assert.match(mail.subject, /Confirm your new e-mail address/)
    assert.equal(sink.to(old).filter(m => m.subject.includes('Confirm')).length, 0, 'the link goes to the new address only')
    assert.equal((await me.get('/api/auth/me')).body.user.email, old, 'unchanged until the link is opened')
    const reset = await new Client(stack.url).post('/api/password-reset/confirm', { token, new_password: NEW_PASSWORD })
    assert.equal(reset.body.code, 'INVALID_ACCOUNT_TOKEN', 'an e-mail change token does not reset a password')
    const confirmed = await new Client(stack.url).post('/api/email-change/confirm', { token })
    assert.equal(confirmed.status, 200)
    assert.equal(confirmed.body.email, next)
    assert.equal((await signIn(next, PASSWORD)).status, 200)
    assert.equal((await signIn(old, PASSWORD)).status, 401)
    assert.equal((await new Client(stack.url).post('/api/email-change/confirm', { token })).body.code, 'INVALID_ACCOUNT_TOKEN', 'once')
  })

  test('a wrong password is 400, an address with an account 409, one\'s own address 400; another account\'s token changes only that account', async () => {
    const me = await signUp(stack.url, 'traveler', 'Ivo Invalid')
    const other = await signUp(stack.url, 'traveler', 'Oona Other')
    assert.equal((await me.post('/api/me/email', { new_email: 'x@example.com', password: 'wrong one' })).body.code, 'WRONG_PASSWORD')
    assert.equal((await me.post('/api/me/email', { new_email: other.user!.email.toUpperCase(), password: PASSWORD })).status, 409)
    assert.equal((await me.post('/api/me/email', { new_email: me.user!.email, password: PASSWORD })).body.details[0].field, 'new_email')
    const next = `other-${Date.now()}@example.com`
    await other.post('/api/me/email', { new_email: next, password: PASSWORD })
    const { token } = await linkTo(next, '/confirm-email')
    assert.equal((await me.post('/api/email-change/confirm', { token })).status, 200)
    assert.equal((await me.get('/api/auth/me')).body.user.email, me.user!.email, 'the caller\'s address stays')
    assert.equal((await other.get('/api/auth/me')).body.user.email, next, 'the token\'s account changed')
  })
})

describe('exporting one\'s own data', () => {
  test('GET /api/me/export: the account, places, bookings on both sides, notifications, favorites; of others only the names already shown', async () => {
    const host = await signUp(stack.url, 'owner', 'Xena Export')
    const guest = await signUp(stack.url, 'traveler', 'Yuri Export')
    await guest.request('PATCH', '/api/me', { about: 'Guest secrets', city: 'Guestville' })
    await host.request('PATCH', '/api/me', { role: 'both' })
    const place = await listProperty(host, { name: 'Export House' })
    const other = await listProperty(await signUp(stack.url, 'owner', 'Zed Elsewhere'), { name: 'Elsewhere Flat' })
    const hosted = await book(guest, place.id, 40)
    const trip = await book(host, other.id, 50)
    assert.equal((await host.request('PUT', `/api/favorites/${other.id}`)).status, 204)
    const res = await host.get('/api/me/export')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="hostly-export.json"/)
    const data = res.body
    assert.equal(data.account.email, host.user!.email, 'one\'s own address')
    assert.deepEqual(data.properties.map((p: { id: number }) => p.id), [place.id])
    assert.deepEqual(data.bookings_as_host.map((b: { id: number, guest_name: string }) => [b.id, b.guest_name]), [[hosted.id, 'Yuri Export']])
    assert.deepEqual(data.bookings_as_guest.map((b: { id: number, host_name: string }) => [b.id, b.host_name]), [[trip.id, 'Zed Elsewhere']])
    assert.deepEqual(data.favorites.map((f: { property_id: number, property_name: string }) => [f.property_id, f.property_name]), [[other.id, 'Elsewhere Flat']])
    assert.ok(Array.isArray(data.notifications))
    assert.deepEqual(data.preferences, { email_notifications: true })
    const text = JSON.stringify(data)
    assert.ok(!text.includes(guest.user!.email), 'not the guest\'s address')
    assert.ok(!text.includes('Guest secrets') && !text.includes('Guestville'), 'not the guest\'s profile')
    assert.equal((await new Client(stack.url).get('/api/me/export')).status, 401)
  })
})
