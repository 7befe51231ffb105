import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { book, listProperty, signUp } from './helpers/http.ts'
import { openLive } from './helpers/live.ts'
import { freePort } from '../src/kafka/local/broker.ts'
import { cleanUp, hostly, lineMatching, stop, type Hostly } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Two API processes: the one a user is connected to learns of a notification through PostgreSQL's LISTEN/NOTIFY,
// whichever process took the request and whichever worker wrote it.

let stack: Stack
let other: Hostly
let otherUrl: string
before(async () => {
  stack = await startStack()
  other = hostly(['api'], { DATABASE_URL: stack.databaseUrl, PORT: String(await freePort()) })
  otherUrl = (await lineMatching(other, /^Hostly listening on (http:\/\/\S+)/))[1]
})
after(async () => {
  await cleanUp()
  await stack?.stop()
})

test('a user connected to one API process receives what a worker writes while the request went to the other', async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const live = await openLive(otherUrl, owner) // the session lives in PostgreSQL: any process serves it
  await live.next('ready', m => m.type === 'ready')
  const booking = await book(traveler, property.id, 20) // through this process's API
  const pushed = await live.next('the request', m => m.type === 'notification')
  assert.equal(pushed.notification.booking_id, booking.id)
  assert.equal(pushed.notification.type, 'booking_requested')

  // Shutdown: the process closes its sockets with 1001 (going away) before it exits.
  const exit = await stop(other, 'SIGTERM')
  assert.deepEqual([exit.code, exit.signal], [0, null])
  assert.equal((await live.closed).code, 1001)
})
