import assert from 'node:assert/strict'
import { globSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'

// Imports go one way: infrastructure knows no feature, and the bench and support code know no test.

const ROOT = resolve(import.meta.dirname, '..')
// metrics/ is infrastructure (it imports db/, http/ and kafka/ only); live/ is a feature (it imports auth/).
const INFRASTRUCTURE = ['src/kafka', 'src/outbox', 'src/db', 'src/http', 'src/metrics']
const FEATURES = ['src/analytics', 'src/auth', 'src/bookings', 'src/demo', 'src/email', 'src/live', 'src/notifications', 'src/properties']

/** The repository-relative files each .ts file under `dir` imports (relative imports only). */
function imports (dir: string): Array<{ file: string, target: string }> {
  return globSync(`${dir}/**/*.ts`, { cwd: ROOT }).flatMap(file => {
    const source = readFileSync(join(ROOT, file), 'utf8')
    return [...source.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)]
      .map(m => ({ file, target: relative(ROOT, resolve(ROOT, dirname(file), m[1])) }))
  })
}

test('kafka/, outbox/, db/, http/ and metrics/ import no feature folder', () => {
  const all = INFRASTRUCTURE.flatMap(imports)
  assert.ok(all.some(i => i.target === 'src/db/pool.ts'), 'the imports were found')
  assert.deepEqual(all.filter(i => FEATURES.some(f => i.target.startsWith(`${f}/`))), [])
})

test('bench/ and support/ import nothing from test/', () => {
  const all = [...imports('bench'), ...imports('support')]
  assert.ok(all.length > 10, 'the imports were found')
  assert.deepEqual(all.filter(i => i.target.startsWith('test/')), [])
})

test('no SQL file names a topic: the names are passed from bookings/events.ts', () => {
  const files = globSync('src/**/*.sql', { cwd: ROOT })
  assert.ok(files.includes('src/bookings/booking.sql'))
  const named = files.flatMap(file => Object.values(TOPICS)
    .filter(topic => readFileSync(join(ROOT, file), 'utf8').includes(`'${topic}'`)).map(topic => `${file}: ${topic}`))
  assert.deepEqual(named, [])
})
