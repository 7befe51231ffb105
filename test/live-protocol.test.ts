import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { Client, signUp } from './helpers/http.ts'
import { openLive, upgradeStatus } from './helpers/live.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// What a live client can get wrong, and what it gets back: a frame over the 1 KiB the server reads (a client's
// fault, logged as one), a page of another scheme asking to upgrade, and a plain GET without the upgrade.

let stack: Stack
const logged: Array<Record<string, any>> = []
let user: Client
before(async () => {
  stack = await startStack({ kafka: false, log: pino({ level: 'debug' }, { write: (line: string) => { logged.push(JSON.parse(line)) } }) })
  user = await signUp(stack.url, 'traveler')
})
after(async () => { await stack?.stop() })

test('a frame over 1 KiB closes the socket (1009) and is logged as the client\'s fault: below error, without a stack', async () => {
  const live = await openLive(stack.url, user)
  await live.next('ready', m => m.type === 'ready')
  const from = logged.length
  live.ws.send('x'.repeat(2048))
  assert.equal((await live.closed).code, 1009)
  const line = await waitFor('the log line about the frame', async () => logged.slice(from).find(l => /frame|payload/i.test(JSON.stringify(l))))
  assert.ok(line.level === 30 || line.level === 40, `info or warn, got ${line.level}: ${JSON.stringify(line)}`)
  assert.doesNotMatch(JSON.stringify(line), /"stack"|\n\s+at /, 'no stack trace')
  assert.equal(line.userId, user.user!.id, 'says whose socket it was')
  assert.deepEqual(logged.slice(from).filter(l => l.level >= 50), [], 'nothing at error level')
})

test('the upgrade\'s Origin must match in scheme, host and port: ftp://, ws:// or another port is 403; this host\'s http and https pages are served', async () => {
  const { host, hostname, port } = new URL(stack.url)
  assert.equal(await upgradeStatus(stack.url, user, { origin: `ftp://${host}` }), 403)
  assert.equal(await upgradeStatus(stack.url, user, { origin: `ws://${host}` }), 403)
  assert.equal(await upgradeStatus(stack.url, user, { origin: `http://${hostname}:${Number(port) + 1}` }), 403)
  assert.equal(await upgradeStatus(stack.url, user, { origin: `http://${host}` }), 101)
  // An HTTPS page of this host: a TLS-terminating proxy in front of a plain-HTTP API.
  assert.equal(await upgradeStatus(stack.url, user, { origin: `https://${host}` }), 101)
})

test('GET /api/live without an upgrade: 426 with the error body and Upgrade: websocket; still 401 without a session', async () => {
  const res = await user.get('/api/live')
  assert.equal(res.status, 426)
  assert.equal(res.body.code, 'UPGRADE_REQUIRED')
  assert.match(res.body.message, /WebSocket/)
  assert.equal(res.headers.get('upgrade'), 'websocket')
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  const anonymous = await new Client(stack.url).get('/api/live')
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.body.code, 'UNAUTHORIZED')
})
