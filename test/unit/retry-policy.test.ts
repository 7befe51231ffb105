import assert from 'node:assert/strict'
import { test } from 'node:test'
import { attemptInPlace, nextStep, whileRetryable, type Outcome } from '../../src/kafka/consumer/retry-policy.ts'
import { Stopping, type Lifecycle } from '../../src/kafka/consumer/lifecycle.ts'
import { DatabaseUnavailableError } from '../../src/db/errors.ts'
import { PermanentEventError } from '../../src/kafka/consumer/errors.ts'

// The consumer's retry rules without a broker or a database: where a failed event goes, and how often it is tried.

const policy = { handlerAttempts: 3, retryRounds: 2, retryDelayMs: 1000 }
const failure = (permanent: boolean): Outcome => ({ errorClass: 'Error', message: 'boom', attempts: 3, permanent })

/** A lifecycle whose sleeps end at once and that counts them (no timers: these tests take no time). */
function instantLife () {
  const slept: number[] = []
  let running = true
  const life = {
    get running () { return running },
    sleep: async (ms: number) => { slept.push(ms) },
    check: () => { if (!running) throw new Stopping() },
    stop: () => { running = false }
  }
  return { life: life as unknown as Lifecycle, slept, stop: life.stop }
}

test('nextStep: another round while rounds remain, then the dead-letter topic', () => {
  assert.deepEqual(nextStep(failure(false), 0, policy), { to: 'retry', round: 1 })
  assert.deepEqual(nextStep(failure(false), 1, policy), { to: 'retry', round: 2 })
  assert.deepEqual(nextStep(failure(false), 2, policy), { to: 'dead-letter' })
  assert.deepEqual(nextStep(failure(false), 5, policy), { to: 'dead-letter' }, 'a round past the policy (it was lowered) ends too')
})

test('nextStep: a permanent failure goes to the dead-letter topic at once, in any round', () => {
  assert.deepEqual(nextStep(failure(true), 0, policy), { to: 'dead-letter' })
  assert.deepEqual(nextStep(failure(true), 1, policy), { to: 'dead-letter' })
})

test('nextStep: with no retry rounds a failure is dead-lettered from its own topic', () => {
  assert.deepEqual(nextStep(failure(false), 0, { ...policy, retryRounds: 0 }), { to: 'dead-letter' })
})

test('attemptInPlace: success on a later attempt returns undefined; each failure before it was reported', async () => {
  const { life, slept } = instantLife()
  let calls = 0
  const retries: number[] = []
  const result = await attemptInPlace(async () => { if (++calls < 3) throw new Error('flaky') }, policy, life, (_err, attempts) => retries.push(attempts))
  assert.equal(result, undefined)
  assert.equal(calls, 3)
  assert.deepEqual(retries, [2, 3])
  assert.equal(slept.length, 2)
})

test('attemptInPlace: an ordinary error is tried handlerAttempts times, then returned with its class, code and count', async () => {
  const { life } = instantLife()
  let calls = 0
  const result = await attemptInPlace(async () => { calls++; throw Object.assign(new RangeError('bad date'), { code: 'E_DATE' }) }, policy, life, () => {})
  assert.equal(calls, 3)
  assert.deepEqual(result, { errorClass: 'RangeError', message: 'E_DATE: bad date', attempts: 3, permanent: false })
})

test('attemptInPlace: a PermanentEventError ends it at once, permanent, with its message alone', async () => {
  const { life } = instantLife()
  let calls = 0
  class Contradiction extends PermanentEventError { constructor (m: string) { super('X', m) } }
  const result = await attemptInPlace(async () => { calls++; throw new Contradiction('booking 7 does not exist') }, policy, life, () => {})
  assert.equal(calls, 1)
  assert.deepEqual(result, { errorClass: 'Contradiction', message: 'booking 7 does not exist', attempts: 1, permanent: true })
})

test('attemptInPlace: an ad-hoc retryable: false is an ordinary failure, counted', async () => {
  const { life } = instantLife()
  let calls = 0
  const result = await attemptInPlace(async () => { calls++; throw Object.assign(new Error('no class'), { retryable: false }) }, policy, life, () => {})
  assert.equal(calls, 3)
  assert.equal(result?.permanent, false)
})

test('attemptInPlace: the database away is not counted against the event, however long it lasts', async () => {
  const { life } = instantLife()
  let calls = 0
  const result = await attemptInPlace(async () => {
    if (++calls <= 10) throw new DatabaseUnavailableError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    throw new Error('then a real fault')
  }, policy, life, () => {})
  assert.equal(calls, 13, '10 uncounted calls, then 3 counted attempts')
  assert.equal(result?.attempts, 3)
})

test('attemptInPlace: a first attempt made by the caller counts as attempt 1', async () => {
  const { life } = instantLife()
  let calls = 0
  const result = await attemptInPlace(async () => { calls++; throw new Error('again') }, policy, life, () => {}, { err: new Error('first') })
  assert.equal(calls, 2)
  assert.equal(result?.attempts, 3)
})

test('attemptInPlace: stopping ends the wait with Stopping, so nothing is committed', async () => {
  const { life, stop } = instantLife()
  await assert.rejects(attemptInPlace(async () => { stop(); throw new Error('x') }, policy, life, () => {}), Stopping)
})

test('whileRetryable: retries the database being away, hands back any other error, and the value on success', async () => {
  const { life } = instantLife()
  let calls = 0
  const ok = await whileRetryable(async () => { if (++calls < 4) throw new DatabaseUnavailableError(Object.assign(new Error('gone'), { code: '57P01' })); return 42 }, life, () => {})
  assert.deepEqual(ok, { ok: true, value: 42 })
  assert.equal(calls, 4)
  const bug = new TypeError('x is undefined')
  assert.deepEqual(await whileRetryable(async () => { throw bug }, life, () => {}), { ok: false, err: bug })
})
