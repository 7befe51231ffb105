import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthenticationError, NetworkError } from '@platformatic/kafka'
import pg from 'pg'
import { classifyPg, DatabaseUnavailableError, endedAConnection, isDatabaseUnavailable, TransactionConflictError } from '../../src/db/errors.ts'
import { isKafkaRetryable } from '../../src/kafka/client/errors.ts'

// The one decision of what is worth trying again, made where errors enter (src/db/errors.ts for PostgreSQL and
// sockets, src/kafka/client/errors.ts for Kafka), from codes alone: no server needed. test/errors.test.ts and
// test/pg-faults.test.ts check the same against a refused connection and terminated backends.

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code })
const pgError = (code: string) => Object.assign(new pg.DatabaseError('from the server', 0, 'error'), { code })

test('SQLSTATEs of a server going away, starting or full, and of a failed connection: unavailable, retryable', () => {
  for (const code of ['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']) {
    const err = classifyPg(pgError(code), false)
    assert.ok(err instanceof DatabaseUnavailableError, code)
    assert.equal(err.canRetry, true)
    assert.equal(err.code, 'HOSTLY_DB_UNAVAILABLE')
    assert.equal((err.cause as { code: string }).code, code, 'the original is its cause')
  }
})

test('serialization failure and deadlock: try again, the server is there', () => {
  for (const code of ['40001', '40P01']) {
    const err = classifyPg(pgError(code), false)
    assert.ok(err instanceof TransactionConflictError, code)
    assert.equal(err instanceof DatabaseUnavailableError, false)
    assert.equal((err as TransactionConflictError).canRetry, true)
  }
})

test('socket errors (they name their syscall), and any error once the connection is gone: unavailable', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN']) {
    assert.ok(isDatabaseUnavailable(classifyPg(Object.assign(withCode(code), { syscall: 'connect' }), false)), code)
  }
  assert.ok(isDatabaseUnavailable(classifyPg(new Error('Connection terminated unexpectedly'), true)), 'connection gone')
  const ended = new Error('terminating connection')
  endedAConnection(ended)
  assert.ok(isDatabaseUnavailable(classifyPg(ended, false)), 'an error that ended a connection, met again')
})

test('the statement\'s own errors and bugs are handed back as they are, whatever their text', () => {
  for (const err of [pgError('23505'), pgError('22P02'), pgError('42P01'), new TypeError('x is undefined'),
    new Error('Connection terminated unexpectedly')]) {
    assert.equal(classifyPg(err, false), err, err.message)
  }
  const typed = classifyPg(pgError('57P01'), false)
  assert.equal(classifyPg(typed, true), typed, 'classified once')
  for (const thrown of [undefined, null, 'text', 42]) assert.equal(classifyPg(thrown, false), thrown)
})

test('@platformatic/kafka errors: only canRetry true is retryable', () => {
  const network = new NetworkError('connection lost')
  assert.equal(network.canRetry, true)
  assert.ok(isKafkaRetryable(network))
  assert.equal(isKafkaRetryable(new AuthenticationError('SASL authentication failed')), false)
  assert.equal(isKafkaRetryable(withCode('ECONNREFUSED')), false, 'not a Kafka client error')
})
