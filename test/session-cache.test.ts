import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Client, propertyInput, signUp } from './helpers/http.ts'
import { freePort } from '../src/kafka/local/broker.ts'
import { cleanUp, hostly, lineMatching, type Hostly } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Each API process answers sessions from memory for a few seconds (src/auth/session-cache.ts). Two API processes on
// one database, A (the stack's, in this process) and B (`hostly api`): whatever ends a session or changes its user on
// A is refused or seen on B at once, through PostgreSQL's NOTIFY (migration 090), and B serves nothing from memory
// while its LISTEN is down. B's cache lives a minute here, so only a NOTIFY can make it forget in time.

let stack: Stack
let b: Hostly
let bUrl: string
before(async () => {
  stack = await startStack({ kafka: false })
  b = hostly(['api'], { DATABASE_URL: stack.databaseUrl, PORT: String(await freePort()), SESSION_CACHE_TTL: '60s' })
  bUrl = (await lineMatching(b, /^Hostly listening on (http:\/\/\S+)/))[1]
  await lineMatching(b, /live: listening for notifications/)
})
after(async () => {
  await cleanUp()
  await stack?.stop()
})

/** The same cookie, sent to B. */
function onB (client: Client): Client {
  const other = new Client(bUrl)
  other.cookie = client.cookie
  return other
}

/** Deletes a session behind the triggers' back: nothing tells the API processes. */
async function deleteQuietly (client: Client) {
  await stack.db.query('ALTER TABLE sessions DISABLE TRIGGER sessions_ended')
  try {
    await stack.db.query('DELETE FROM sessions WHERE user_id = $1', [client.user!.id])
  } finally {
    await stack.db.query('ALTER TABLE sessions ENABLE TRIGGER sessions_ended')
  }
}

test('B answers a session from memory: deleted without a NOTIFY, it still signs in on B', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  assert.equal((await onB(traveler).get('/api/notifications')).status, 200) // now in B's cache
  await deleteQuietly(traveler)
  assert.equal((await traveler.get('/api/notifications')).status, 401, 'A asks PostgreSQL')
  assert.equal((await onB(traveler).get('/api/notifications')).status, 200, 'B answered from memory')
})

test('signed out on A, the cookie is refused on B at once', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const there = onB(traveler)
  assert.equal((await there.get('/api/notifications')).status, 200)
  assert.equal((await there.get('/api/notifications')).status, 200)
  assert.equal((await traveler.post('/api/auth/logout')).status, 204)
  assert.equal((await there.get('/api/notifications')).status, 401)
})

test('signed out everywhere on A, every session of the user is refused on B at once', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const laptop = new Client(stack.url)
  assert.equal((await laptop.post('/api/auth/login', { email: traveler.user!.email, password: 'correct horse' })).status, 200)
  const [phone, tablet] = [onB(traveler), onB(laptop)]
  assert.equal((await phone.get('/api/notifications')).status, 200)
  assert.equal((await tablet.get('/api/notifications')).status, 200)
  assert.equal((await traveler.post('/api/auth/logout-all')).status, 204)
  assert.equal((await phone.get('/api/notifications')).status, 401)
  assert.equal((await tablet.get('/api/notifications')).status, 401)
})

test('a password changed on A ends the other sessions on B at once', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const laptop = new Client(stack.url)
  assert.equal((await laptop.post('/api/auth/login', { email: traveler.user!.email, password: 'correct horse' })).status, 200)
  const there = onB(laptop)
  assert.equal((await there.get('/api/notifications')).status, 200)
  const changed = await traveler.post('/api/me/password', { current_password: 'correct horse', new_password: 'violet harbour umbrella 1987' })
  assert.equal(changed.status, 204, JSON.stringify(changed.body))
  assert.equal((await there.get('/api/notifications')).status, 401)
  assert.equal((await onB(traveler).get('/api/notifications')).status, 200, 'the session that changed it stays')
})

test('a traveler who starts hosting on A may list a place on B at once', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const there = onB(traveler)
  assert.equal((await there.post('/api/properties', propertyInput())).status, 403) // cached as a traveler
  assert.equal((await traveler.request('PATCH', '/api/me', { role: 'both' })).status, 200)
  assert.equal((await there.post('/api/properties', propertyInput())).status, 201)
})

test('while B\'s LISTEN is down, or just back, B asks PostgreSQL (fail safe)', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  assert.equal((await onB(traveler).get('/api/notifications')).status, 200) // in B's cache
  await deleteQuietly(traveler)
  const lost = lineMatching(b, /LISTEN connection lost/)
  // The LISTEN connections (A's and B's).
  await stack.db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hostly live listener'")
  await lost
  assert.equal((await onB(traveler).get('/api/notifications')).status, 401)
})
