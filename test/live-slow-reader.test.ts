import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { WebSocket } from 'ws'
import { book, listProperty, signUp, type Client } from './helpers/http.ts'
import { openLive } from './helpers/live.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// A reader that stops reading is closed with 1013 once more than LIVE_MAX_BUFFERED_BYTES wait to be sent to it,
// instead of the API buffering for it without bound. The push comes from the catch-up of ?after=0 over many
// notifications written straight into the table (the consumers' path is covered by test/live.test.ts): loopback
// TCP absorbs about 4 MB of a paused reader in kernel buffers, so the bytes waiting in the API start to grow only
// past that, and the test sends about three times as much.

const MAX_BUFFERED = 2 * 1024 * 1024
const ROWS = 12_000
const MESSAGE = 'x'.repeat(1000) // about 1.1 kB per message: 13 MB in all, 0.55 MB per catch-up page of 500

let stack: Stack
const logged: string[] = []
let owner: Client
before(async () => {
  stack = await startStack({
    kafka: false,
    env: { LIVE_MAX_BUFFERED_BYTES: String(MAX_BUFFERED) },
    log: pino({ level: 'warn' }, { write: (line: string) => { logged.push(line) } })
  })
  owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const booking = await book(await signUp(stack.url, 'traveler'), property.id, 10)
  await stack.db.query(
    `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
     SELECT $1, 'booking_requested', $2, gen_random_uuid(), $3 FROM generate_series(1, $4)`,
    [owner.user!.id, booking.id, MESSAGE, ROWS])
})
after(async () => { await stack?.stop() })

const slowReaderLines = () => logged.map(l => JSON.parse(l)).filter(l => l.msg === 'live: reader too slow, socket closed (1013)')

test('a reader that keeps up gets the whole catch-up and stays open', async () => {
  const live = await openLive(stack.url, owner, '?after=0')
  await live.next('ready after the catch-up', m => m.type === 'ready', 30_000)
  assert.equal(live.notifications().length, ROWS)
  assert.equal(live.ws.readyState, live.ws.OPEN)
  assert.deepEqual(slowReaderLines(), [])
  await live.close()
})

test('a reader that stops reading while more than LIVE_MAX_BUFFERED_BYTES are pushed is closed with 1013', async () => {
  const ws = new WebSocket(stack.url.replace(/^http/, 'ws') + '/api/live?after=0', { headers: { cookie: owner.cookie! } })
  let received = 0
  ws.on('message', () => { received++ })
  const closed = new Promise<{ code: number, reason: string }>(resolve => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })))
  await once(ws, 'open')
  const socket = (ws as unknown as { _socket: Socket })._socket
  socket.pause() // from here on, nothing is read: the kernel buffers fill, then the API's

  try {
    // 60 s: with a core taken, 24 catch-up pages of 500 rows took longer than 30 to fill the buffers.
    const line = await waitFor('the API to close the slow reader', () => slowReaderLines()[0], 60_000, 10)
    assert.equal(line.userId, owner.user!.id)
    assert.ok(line.bufferedBytes > MAX_BUFFERED, `${line.bufferedBytes} bytes waiting`)
  } catch (err) {
    // A paused socket left open could hold the stack's stop in the after hook: end it before failing.
    ws.terminate()
    throw err
  }
  // The API gives a closing peer 2 s to answer: read again, through what was sent before the close frame.
  socket.resume()
  assert.deepEqual(await closed, { code: 1013, reason: 'Reading too slowly' })
  assert.ok(received < ROWS, `the API stopped sending (${received} of ${ROWS} arrived)`)
  assert.equal(slowReaderLines().length, 1)
})
