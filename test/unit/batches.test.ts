import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { inBatches } from '../../src/kafka/consumer/batches.ts'

// The consumer's batching over an object stream, without Kafka: what has arrived since the last batch, at most max.

const objects = () => new PassThrough({ objectMode: true })

test('what has arrived is one batch; no batch is larger than max', async () => {
  const stream = objects()
  for (let i = 1; i <= 7; i++) stream.write(i)
  stream.end()
  const batches: number[][] = []
  for await (const batch of inBatches<number>(stream, 3)) batches.push(batch)
  assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5, 6, 7], 'every item once, in order')
  assert.ok(batches.every(b => b.length >= 1 && b.length <= 3), JSON.stringify(batches))
})

test('an idle stream answers with what it has: one item is a batch at once', async () => {
  const stream = objects()
  const batches = inBatches<string>(stream, 100)
  const first = batches.next()
  stream.write('a')
  assert.deepEqual((await first).value, ['a'])
  const second = batches.next()
  stream.write('b')
  stream.write('c')
  const got = (await second).value
  assert.ok(got.length >= 1 && got.every((x: string) => ['b', 'c'].includes(x)))
  stream.end()
  const rest = []
  for await (const b of { [Symbol.asyncIterator]: () => batches }) rest.push(...b)
  assert.deepEqual([...got, ...rest], ['b', 'c'])
})

test('the stream is paused while max items wait, and resumed when they are taken (every item still comes out)', async () => {
  const stream = objects()
  const batches = inBatches<number>(stream, 2)
  const first = batches.next() // attaches the listeners
  for (let i = 0; i < 5; i++) stream.write(i)
  await new Promise(resolve => setImmediate(resolve))
  assert.ok(stream.isPaused(), 'paused with max waiting')
  const a = await first
  assert.equal(a.value.length, 2)
  stream.end()
  const rest: number[] = []
  for await (const b of { [Symbol.asyncIterator]: () => batches }) rest.push(...b)
  assert.deepEqual([...a.value, ...rest], [0, 1, 2, 3, 4])
})

test('a stream error ends the batches with that error; the listeners are removed after', async () => {
  const stream = objects()
  const failing = (async () => { for await (const b of inBatches(stream, 10)) void b })()
  stream.destroy(new Error('broker gone'))
  await assert.rejects(failing, /broker gone/)
  assert.equal(stream.listenerCount('data'), 0)
})

test('a stream closed without end (a consumer closing) ends the batches', async () => {
  const stream = objects()
  const done = (async () => { const all = []; for await (const b of inBatches(stream, 10)) all.push(...b); return all })()
  stream.write('x')
  await new Promise(resolve => setImmediate(resolve))
  stream.destroy()
  assert.deepEqual(await done, ['x'])
})

test('leaving early (break) removes the listeners', async () => {
  const stream = objects()
  stream.write(1)
  const batches = inBatches(stream, 10)
  await batches.next()
  await batches.return(undefined) // what break does
  assert.equal(stream.listenerCount('data'), 0)
  assert.equal(stream.listenerCount('error'), 0)
})
