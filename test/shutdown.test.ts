import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { after, before, beforeEach, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// How the API stops (src/services.ts, closeApp): it stops taking requests, lets those in flight finish for up to
// 5 s, then closes the connections still open. An idle keep-alive connection does not hold the stop at all. Each
// test starts the API again (beforeEach) and stops it.

const DRAIN_CUT = 'HTTP: connections still open after the drain; closing them'

let stack: Stack
const logged: Array<Record<string, any>> = []
before(async () => {
  stack = await startStack({ kafka: false, log: pino({ level: 'info' }, { write: (line: string) => { logged.push(JSON.parse(line)) } }) })
  await stack.stopPieces()
})
beforeEach(async () => {
  logged.length = 0
  await stack.startPieces()
})
after(async () => {
  await stack?.startPieces() // stop() ends them itself, the test pool and the database with them
  await stack?.stop()
})

/** A booking request whose headers and first bytes of body have reached the API, the rest not sent. */
async function halfSentRequest (cookie?: string): Promise<{ socket: Socket, rest: string, reply: Promise<string> }> {
  const { hostname, port } = new URL(stack.url)
  const body = JSON.stringify({ property_id: 1, ...stay(30), num_guests: 2 })
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  let received = ''
  socket.on('data', chunk => { received += chunk })
  const reply = once(socket, 'close').then(() => received)
  // The request is the server's once Node has parsed its headers, which its 'request' event says (not before: a stop
  // would find the connection idle and close it).
  const seen = once(stack.running.app!.server, 'request')
  socket.write(`POST /api/bookings HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
  await seen
  return { socket, rest: body.slice(10), reply }
}

test('stopped as soon as it answers (its LISTEN connection most likely still connecting): the stop ends, and says nothing is left', async () => {
  // It rejected after 10 s with avvio's "Plugin did not start in time" before the db wrapper answered a connect()
  // that end() cut short (test/errors.test.ts).
  await stack.stopPieces()
  assert.deepEqual(stack.running.unfinished(), [])
  assert.equal(logged.find(l => l.msg === DRAIN_CUT), undefined)
})

test('an idle keep-alive connection does not hold the stop: closed at once, without the drain', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const status = await new Promise<number>((resolve, reject) => {
    request(`${stack.url}/healthz`, { agent }, res => { res.resume(); res.on('end', () => resolve(res.statusCode!)) }).on('error', reject).end()
  })
  assert.equal(status, 200)
  const [idle] = Object.values(agent.freeSockets).flat()
  assert.ok(idle, 'the agent keeps the connection open')
  const closed = once(idle, 'close')
  await stack.stopPieces()
  await closed
  assert.deepEqual(stack.running.unfinished(), [])
  assert.equal(logged.find(l => l.msg === DRAIN_CUT), undefined, 'no drain was needed')
  agent.destroy()
})

test('a request in flight when the stop begins is answered, and the stop waits for it', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const { socket, rest, reply } = await halfSentRequest(traveler.cookie)
  let stopped = false
  const stopping = stack.stopPieces().then(() => { stopped = true })
  await sleep(300)
  assert.equal(stopped, false, 'the stop waits for the request in flight')
  assert.deepEqual(stack.running.unfinished(), ['HTTP servers'], 'and says what it waits for')
  socket.write(rest)
  await stopping
  const answer = await reply
  assert.match(answer, /^HTTP\/1\.1 404 /, `the request got its answer (there is no property 1), not a cut: ${answer.slice(0, 80)}`)
  assert.match(answer, /\r\nconnection: close\r\n/i, 'and was told its connection closes: it does not hold the stop once answered')
  assert.equal(logged.find(l => l.msg === DRAIN_CUT), undefined)
})

test('a request whose body never comes is cut after the 5 s drain, and the stop ends', async () => {
  const traveler = await signUp(stack.url, 'traveler')
  const { reply } = await halfSentRequest(traveler.cookie)
  const stopping = stack.stopPieces()
  await waitFor('the drain to give up and say so', () => logged.find(l => l.msg === DRAIN_CUT), 15_000)
  await stopping
  assert.equal(await reply, '', 'the connection was closed without an answer')
  assert.deepEqual(stack.running.unfinished(), [])
  assert.equal(logged.find(l => l.msg === DRAIN_CUT)?.drainMs, 5000)
})

test('a request answered before its body came (no session: 401 at once) holds its connection until the drain too', async () => {
  // Node reads the rest of a body before it counts the connection idle: a refused client that stops sending keeps
  // the server from closing, as a request in flight does.
  const { reply } = await halfSentRequest()
  const stopping = stack.stopPieces()
  await stopping
  assert.match(await reply, /^HTTP\/1\.1 401 /)
  assert.equal(logged.find(l => l.msg === DRAIN_CUT)?.drainMs, 5000)
})
