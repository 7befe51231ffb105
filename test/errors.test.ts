import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import pg from 'pg'
import { AppError, appError, ERRORS } from '../src/errors.ts'
import { classify, isPermanent, isRetryable, isUnavailable } from '../src/retryable.ts'
import { ROOT } from './helpers/processes.ts'

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
  const patterns = [/\bcode: '([A-Z][A-Z_]+)'/g, /AppError\(\s*\d+,\s*'([A-Z][A-Z_]+)'/g, /\bconflict\(\s*'([A-Z][A-Z_]+)'/g, /\bappError\(\s*'([A-Z][A-Z_]+)'/g]
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

test('a refused connection and a terminated backend are retryable and unavailable; the property is set on the error', async () => {
  const refused = await new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }).connect().then(() => undefined, err => err)
  assert.equal(refused.code, 'ECONNREFUSED')
  assert.ok(isRetryable(refused) && isUnavailable(refused))
  assert.equal(refused.retryable, true)

  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  await client.connect()
  client.on('error', () => {}) // the terminated connection reports here too
  const terminated = await client.query('SELECT pg_terminate_backend(pg_backend_pid())').then(() => undefined, err => err)
  await client.end().catch(() => {})
  assert.ok(terminated, 'the query failed')
  assert.ok(isRetryable(terminated) && isUnavailable(terminated), `${terminated.code}: ${terminated.message}`)
})

test('retryable: false said by the thrower is kept; an error no library code describes stays undecided', () => {
  const permanent = Object.assign(new Error('booking 7 does not exist'), { retryable: false })
  assert.ok(isPermanent(permanent))
  assert.ok(!isRetryable(permanent))
  const bug = new TypeError('x is undefined')
  assert.deepEqual(classify(bug), {})
  assert.ok(!isRetryable(bug) && !isPermanent(bug))
  assert.equal('retryable' in bug, false)
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
  assert.ok(isRetryable(deadlock) && !isUnavailable(deadlock), 'a deadlock asks for a retry, the server is there')
})
