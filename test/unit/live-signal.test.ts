import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSignal, signalLive, type LiveSignal } from '../../src/live/signal.ts'

// The live channel's payload with traces (tracing on): each notification's traceparent rides with it, every NOTIFY
// stays under PostgreSQL's 8000 bytes, and a replica reads what it can trust.

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const BIG = 1_234_567_890_123_456

/** The payloads signalLive sends: the one query's array parameter. */
async function payloads (signal: LiveSignal): Promise<string[]> {
  let sent: string[] = []
  await signalLive({ query: (async (q: { values: [string[]] }) => { sent = q.values[0]; return { rows: [] } }) as never }, signal)
  return sent
}

test('with a traceparent per notification, each NOTIFY stays under 8000 bytes and carries the traces of its own notifications', async () => {
  const n = Array.from({ length: 250 }, (_, i): [number, number] => [BIG + i, BIG])
  const b = Array.from({ length: 250 }, (_, i): [number, number, number] => [BIG + i, BIG, BIG])
  const traces = Object.fromEntries(n.map(([id]) => [id, TRACEPARENT]))
  const sent = await payloads({ notifications: n, bookings: b, traces })
  for (const p of sent) assert.ok(Buffer.byteLength(p) < 8000, `${Buffer.byteLength(p)} bytes`)
  const read = sent.map(parseSignal)
  assert.deepEqual(read.flatMap(r => r.notifications ?? []), n)
  for (const r of read) assert.deepEqual(Object.keys(r.traces ?? {}).map(Number), (r.notifications ?? []).map(([id]) => id))
})

test('without traces the payload is as before, and a malformed trace map is ignored, not the notifications', async () => {
  const [plain] = await payloads({ notifications: [[1, 2]] })
  assert.equal(plain, '{"n":[[1,2]]}')
  const read = parseSignal('{"n":[[1,2]],"t":{"1":"not a traceparent"}}')
  assert.deepEqual(read.notifications, [[1, 2]])
  assert.equal(read.traces, undefined)
})
