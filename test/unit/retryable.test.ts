import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthenticationError, NetworkError } from '@platformatic/kafka'
import { classify, isPermanent, isRetryable, isUnavailable } from '../../src/retryable.ts'

// The one decision of what is worth trying again (src/retryable.ts), from codes alone: no server needed.
// test/errors.test.ts checks the same against a real refused connection and a real terminated backend.

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code })

test('SQLSTATEs of a server going away, starting or full, and of a failed connection: retryable and unavailable', () => {
  for (const code of ['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']) {
    assert.deepEqual(classify(withCode(code)), { retryable: true, unavailable: true }, code)
  }
})

test('serialization failure and deadlock: retryable, the server is there', () => {
  for (const code of ['40001', '40P01']) assert.deepEqual(classify(withCode(code)), { retryable: true, unavailable: false }, code)
})

test('socket codes of a connection refused, reset or unreachable: retryable and unavailable', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']) {
    assert.ok(isRetryable(withCode(code)) && isUnavailable(withCode(code)), code)
  }
})

test('pg\'s code-less connection errors are known by their text; the same text with a code is not', () => {
  for (const message of ['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable', 'timeout exceeded when trying to connect']) {
    assert.ok(isUnavailable(new Error(message)), message)
  }
  assert.deepEqual(classify(withCode('23505', 'Connection terminated unexpectedly')), {}, 'a code decides, not the text')
  assert.deepEqual(classify(new Error('the Connection terminated unexpectedly')), {}, 'only at the start of the message')
})

test('constraint violations, bad input and bugs stay undecided (the caller counts attempts)', () => {
  for (const err of [withCode('23505'), withCode('22P02'), withCode('42P01'), new TypeError('x is undefined'), withCode('ENOENT')]) {
    assert.deepEqual(classify(err), {}, err.message)
    assert.ok(!isRetryable(err) && !isPermanent(err))
  }
})

test('@platformatic/kafka errors: canRetry true is retryable; canRetry false is undecided, not permanent', () => {
  const network = new NetworkError('connection lost')
  assert.equal(network.canRetry, true)
  assert.ok(isRetryable(network) && isUnavailable(network))
  const refused = new AuthenticationError('SASL authentication failed')
  assert.equal(refused.canRetry, false)
  assert.deepEqual(classify(refused), {})
})

test('retryable said by the thrower wins over any code, and the answer is recorded on the error once', () => {
  const permanent = Object.assign(withCode('ECONNREFUSED'), { retryable: false })
  assert.ok(isPermanent(permanent) && !isRetryable(permanent) && !isUnavailable(permanent))
  const refused = withCode('ECONNREFUSED')
  assert.equal(isRetryable(refused), true)
  assert.equal((refused as unknown as { retryable: boolean }).retryable, true)
  assert.ok(!Object.keys(refused).includes('retryable'), 'not enumerable: logs of the error stay as they were')
  const frozen = Object.freeze(withCode('57P01'))
  assert.ok(isRetryable(frozen), 'a frozen error is classified without being written on')
})

test('anything thrown that is not an object is undecided', () => {
  for (const thrown of [undefined, null, 'text', 42]) assert.deepEqual(classify(thrown), {})
})
