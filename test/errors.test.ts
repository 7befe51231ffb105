import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { AppError, appError, ERRORS } from '../src/errors.ts'
import { classifyPg, DatabaseUnavailableError, TransactionConflictError } from '../src/db/errors.ts'
import type { PoolClient } from 'pg'
import { connect, Connection, createPool, retriedTransaction, transaction } from '../src/db/pool.ts'
import { toErrorResponse } from '../src/http/error-handler.ts'
import { ROOT } from './helpers/processes.ts'
import { waitingForLock } from './helpers/wait.ts'

// The registry is the only list of error codes: docs/errors.md is it in words, and src/ names no code it lacks.

const escape = (s: string) => s.replace(/\|/g, '\\|')
const rows = () => Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${escape(e.message)} | ${escape(e.when)} |`)

test('docs/errors.md lists exactly the codes of the registry, each with its status, message and when', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8')
  const table = doc.split('\n').filter(line => /^\| `[A-Z_]+` \|/.test(line))
  assert.deepEqual(table, rows(), `docs/errors.md's table should read:\n${rows().join('\n')}`)
})

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

test('every error code src/ throws or answers with is an entry of the registry', () => {
  const used = new Map<string, string>()
  const patterns = [/\bcode: '([A-Z][A-Z_]+)'/g, /AppError\(\s*\d+,\s*'([A-Z][A-Z_]+)'/g, /\bappError\(\s*'([A-Z][A-Z_]+)'/g]
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8')
    for (const pattern of patterns) for (const [, code] of text.matchAll(pattern)) used.set(code, file)
  }
  assert.ok(used.size >= 10, `found the use sites (${[...used.keys()]})`)
  const missing = [...used].filter(([code]) => !(code in ERRORS)).map(([code, file]) => `${code} (${file})`)
  assert.deepEqual(missing, [], 'codes to add to ERRORS in src/errors.ts')
})

test('appError takes status and message from the registry and fills in the message\'s parts', () => {
  const e = appError('INVALID_STATUS_TRANSITION', { from: 'cancelled', to: 'accepted' })
  assert.ok(e instanceof AppError)
  assert.equal(e.status, 409)
  assert.equal(e.code, 'INVALID_STATUS_TRANSITION')
  assert.equal(e.message, 'This booking is cancelled; it cannot become accepted.')
  assert.equal(appError('UNAUTHORIZED').message, 'Sign in first.')
})

test('a refused connection and a terminated backend come out of the db wrapper as DatabaseUnavailableError, with pg\'s error as cause', async () => {
  const refused = await connect('postgres://postgres@127.0.0.1:1/none').then(() => undefined, err => err)
  assert.ok(refused instanceof DatabaseUnavailableError, String(refused))
  assert.equal(refused.code, 'HOSTLY_DB_UNAVAILABLE')
  assert.equal(refused.canRetry, true)
  assert.equal((refused.cause as { code?: string }).code, 'ECONNREFUSED')
  assert.match(refused.message, /ECONNREFUSED/, 'the message is pg\'s')
  assert.equal('retryable' in (refused.cause as object), false, 'nothing is written onto pg\'s error')

  const pool = createPool('postgres://postgres@127.0.0.1:1/none', 1)
  const viaPool = await pool.query('SELECT 1').then(() => undefined, err => err)
  await pool.end()
  assert.ok(viaPool instanceof DatabaseUnavailableError, String(viaPool))

  const client = await connect('postgres://postgres@127.0.0.1:5432/postgres')
  const terminated = await client.query('SELECT pg_terminate_backend(pg_backend_pid())').then(() => undefined, err => err)
  const after = await client.query('SELECT 1').then(() => undefined, err => err)
  await client.end().catch(() => {})
  assert.ok(terminated instanceof DatabaseUnavailableError, `${terminated?.code}: ${terminated?.message}`)
  assert.ok(after instanceof DatabaseUnavailableError, `a query on the lost connection: ${after?.message}`)
})

test('a connection ended while it connects: connect() fails as the connection gone, in both forms, and end() returns', async () => {
  // pg itself never answers such a connect (nothing awaiting it ever went on); the wrapper does.
  const url = 'postgres://postgres@127.0.0.1:5432/postgres'
  const promised = new Connection(url)
  const connecting = promised.connect().then(() => undefined, (err: unknown) => err)
  await promised.end()
  const failed = await connecting
  assert.ok(failed instanceof DatabaseUnavailableError, String(failed))
  assert.match(failed.message, /closed while connecting/)

  const called = new Connection(url)
  const answered = new Promise<unknown>(resolve => { called.connect(resolve) })
  await called.end()
  assert.ok(await answered instanceof DatabaseUnavailableError)

  const whole = new Connection(url)
  assert.equal(await whole.connect(), whole, 'a connect left alone still gives the client, as pg\'s does')
  assert.equal((await whole.query('SELECT 1 AS one')).rows[0].one, 1)
  await whole.end()
})

test('a deadlock asks for a retry with the server there; a statement\'s own error and a bug stay as they are', () => {
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
  const retry = classifyPg(deadlock, false)
  assert.ok(retry instanceof TransactionConflictError && retry.canRetry && retry.cause === deadlock)
  assert.ok(!(retry instanceof DatabaseUnavailableError))
  const unique = Object.assign(new Error('duplicate key'), { code: '23505' })
  assert.equal(classifyPg(unique, false), unique)
  const bug = new TypeError('x is undefined')
  assert.equal(classifyPg(bug, false), bug)
  assert.ok(classifyPg(new Error('timeout exceeded when trying to connect'), true) instanceof DatabaseUnavailableError, 'no connection to be had')
})

test('a real deadlock: the victim is a TransactionConflictError, answered 503 TRY_AGAIN; retriedTransaction runs it again and commits', async () => {
  const url = 'postgres://postgres@127.0.0.1:5432/postgres'
  const pool = createPool(url, 2)
  const rival = await connect(url)
  const [k1, k2] = [Math.floor(Math.random() * 1e9), Math.floor(Math.random() * 1e9) + 1e9]
  // Takes k1 then k2 while the rival, holding k2, waits for k1. This one's deadlock_timeout (100 ms) runs out long
  // before the rival's (1 s), so it finds the cycle and is the one ended, once; the next attempt finds both free.
  const { rows: [{ pid: rivalPid }] } = await rival.query('SELECT pg_backend_pid() AS pid')
  let attempts = 0
  const crossed = async (tx: PoolClient) => {
    attempts++
    await tx.query("SET LOCAL deadlock_timeout = '100ms'")
    await tx.query('SELECT pg_advisory_xact_lock($1)', [k1])
    if (attempts === 1) {
      await rival.query('BEGIN')
      await rival.query('SELECT pg_advisory_xact_lock($1)', [k2])
      const rivalWaits = rival.query('SELECT pg_advisory_xact_lock($1)', [k1]).then(() => rival.query('COMMIT'))
      await waitingForLock(pool, rivalPid) // for k1
      await tx.query('SELECT pg_advisory_xact_lock($1)', [k2]).finally(() => rivalWaits)
    }
    await tx.query('SELECT pg_advisory_xact_lock($1)', [k2])
    return attempts
  }
  try {
    const victim = await transaction(pool, crossed).then(() => undefined, (err: unknown) => err)
    assert.ok(victim instanceof TransactionConflictError, String(victim))
    assert.equal((victim.cause as { code?: string }).code, '40P01')
    const { status, body } = toErrorResponse(victim as never)
    assert.deepEqual([status, body.code], [503, 'TRY_AGAIN'])

    attempts = 0
    assert.equal(await retriedTransaction(pool, crossed), 2, 'ended once, committed on the second attempt')
  } finally {
    await rival.end()
    await pool.end()
  }
})
