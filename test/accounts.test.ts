import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay } from './helpers/wait.ts'

// Issue 18's accounts: one account that hosts and travels, the profile the other party sees, passwords, e-mail
// changes, deleting an account and exporting one's data.

let stack: Stack
before(async () => {
  stack = await startStack({ kafka: false })
})
after(async () => { await stack?.stop() })

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
      assert.deepEqual(res.body.traveler, { id: guest.user!.id, name: 'Gina Guest', about: 'Quiet, early riser.\nLoves tiles.', city: 'Porto', languages: ['pt-PT', 'en'] })
      assert.deepEqual(res.body.owner, { id: host.user!.id, name: 'Hugo Host', about: '', city: 'Lisbon', languages: ['pt'] })
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
