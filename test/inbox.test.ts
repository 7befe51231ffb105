import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// The inbox: read state, unread counts and filters, preferences. The API alone: the notification rows are written
// here as the consumers write them (live.test.ts covers the consumers).

let stack: Stack
before(async () => { stack = await startStack({ kafka: false }) })
after(async () => { await stack?.stop() })

async function notificationsFor (user: Client, n: number) {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, property.id, 50)
  const { rows } = await stack.db.query(
    `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
     SELECT $1, 'booking_requested', $2, gen_random_uuid(), 'note ' || i FROM generate_series(1, $3) i RETURNING id`,
    [user.user!.id, booking.id, n])
  return rows.map(r => r.id as number)
}

test('marking one read is idempotent, keeps the first read_at, and is 404 for someone else\'s', async () => {
  const me = await signUp(stack.url, 'owner')
  const other = await signUp(stack.url, 'owner')
  const [id] = await notificationsFor(me, 1)
  const first = await me.post(`/api/notifications/${id}/read`)
  assert.equal(first.status, 200)
  assert.equal(first.body.notification.id, id)
  assert.ok(first.body.notification.read_at)
  const again = await me.post(`/api/notifications/${id}/read`)
  assert.equal(again.body.notification.read_at, first.body.notification.read_at)
  const theirs = await other.post(`/api/notifications/${id}/read`)
  assert.deepEqual([theirs.status, theirs.body.code], [404, 'NOT_FOUND'])
  assert.equal((await me.post('/api/notifications/999999999/read')).status, 404)
  assert.equal((await me.post('/api/notifications/abc/read')).status, 400)
  assert.equal((await new Client(stack.url).post(`/api/notifications/${id}/read`)).status, 401)
})

test('unread_count and ?unread=true follow the read state; read-all marks everything and answers 0', async () => {
  const me = await signUp(stack.url, 'traveler')
  const ids = await notificationsFor(me, 4)
  let list = await me.get('/api/notifications')
  assert.equal(list.body.unread_count, 4)
  await me.post(`/api/notifications/${ids[1]}/read`)
  list = await me.get('/api/notifications?unread=true')
  assert.equal(list.body.unread_count, 3)
  assert.deepEqual(list.body.notifications.map((n: any) => n.id), [ids[3], ids[2], ids[0]])
  assert.equal((await me.get('/api/notifications?unread=maybe')).status, 400)
  const all = await me.post('/api/notifications/read-all')
  assert.deepEqual([all.status, all.body], [200, { unread_count: 0 }])
  list = await me.get('/api/notifications')
  assert.equal(list.body.unread_count, 0)
  assert.ok(list.body.notifications.every((n: any) => n.read_at))
  assert.deepEqual((await me.get('/api/notifications?unread=true')).body.notifications, [])
  // Someone else's stay unread.
  const other = await signUp(stack.url, 'owner')
  await notificationsFor(other, 1)
  await me.post('/api/notifications/read-all')
  assert.equal((await other.get('/api/notifications')).body.unread_count, 1)
})

test('preferences: e-mail on by default; PATCH changes it; unknown keys and wrong types are 400', async () => {
  const me = await signUp(stack.url, 'traveler')
  assert.deepEqual((await me.get('/api/me/preferences')).body, { preferences: { email_notifications: true } })
  const off = await me.request('PATCH', '/api/me/preferences', { email_notifications: false })
  assert.deepEqual([off.status, off.body], [200, { preferences: { email_notifications: false } }])
  assert.deepEqual((await me.get('/api/me/preferences')).body, { preferences: { email_notifications: false } })
  for (const body of [{ email_notifications: 'no' }, { email: false }, { email_notifications: true, sms: true }, {}]) {
    const bad = await me.request('PATCH', '/api/me/preferences', body)
    assert.equal(bad.status, 400, JSON.stringify(body))
    assert.equal(bad.body.code, 'VALIDATION_ERROR')
  }
  assert.deepEqual((await me.get('/api/me/preferences')).body, { preferences: { email_notifications: false } }, 'nothing half-written')
  const anonymous = await new Client(stack.url).get('/api/me/preferences')
  assert.equal(anonymous.status, 401)
})
