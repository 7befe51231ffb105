import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { failureDigest } from '../../scripts/test.ts'

// npm test repeats why each failed file failed after its table: read from what node's own spec reporter printed.

function specOutput (source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostly-digest-'))
  try {
    writeFileSync(join(dir, 'f.test.mjs'), source)
    // Without the NODE_TEST_CONTEXT this file runs in, which would send the child's results to this runner instead.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', 'f.test.mjs'], { cwd: dir, env, encoding: 'utf8' })
    assert.equal(run.status, 1, 'the file fails')
    return run.stdout + run.stderr
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('a failed file: its failing tests with their errors, not the tests that passed', () => {
  const output = specOutput(`import test from 'node:test'
import assert from 'node:assert/strict'
test('a passing test', () => {})
test('the figure is positive', () => { assert.ok(false, 'data_scale.accept_rps_ratio = null') })`)
  const digest = failureDigest(output)
  assert.match(digest, /^✖ failing tests:/)
  assert.match(digest, /✖ the figure is positive/)
  assert.match(digest, /data_scale\.accept_rps_ratio = null/)
  assert.doesNotMatch(digest, /a passing test/)
})

test('a long failure is cut after maxLines, saying how much was left out', () => {
  const output = specOutput(`import test from 'node:test'
test('fails at length', () => { throw new Error(Array.from({ length: 200 }, (_, i) => 'line ' + i).join('\\n')) })`)
  const digest = failureDigest(output, 20).split('\n')
  assert.equal(digest.length, 21)
  assert.match(digest[20], /^ {2}\(\d+ more lines\)$/)
})

test('a file that ended before its report (killed, crashed): its last lines', () => {
  const output = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n✖ test/x.test.ts had not ended after 1200 s (TEST_FILE_LIMIT_MS): killed\n'
  const digest = failureDigest(output, 5).split('\n')
  assert.deepEqual(digest, ['  (96 lines before)', 'line 96', 'line 97', 'line 98', 'line 99', '✖ test/x.test.ts had not ended after 1200 s (TEST_FILE_LIMIT_MS): killed'])
})
