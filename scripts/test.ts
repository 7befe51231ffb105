// npm test: every test file under test/, against the real Kafka broker (each file starts its own, from
// kafka/libs) and the real PostgreSQL (each file creates and drops its own database).
// `npm test -- test/<name>.test.ts` runs one file; other arguments go to `node --test`.
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'

// --test-force-exit ends a file's process once its tests are done, whatever still holds the event loop. Given to
// every file it would hide our own leaked handles (a pool not ended, a timer not cleared), so it goes only to the
// files listed here, each with the library that needs it. None is: every file ends by itself (BENCHMARKS.md, "Test
// files end by themselves"). A file that passes and then hangs is the signal: name the handle with
// `process.getActiveResourcesInfo()` in an `after` hook, fix it if it is ours, list the file here if a library's.
const FORCE_EXIT: string[] = []

const extra = process.argv.slice(2)
const named = extra.filter(a => !a.startsWith('-'))
const options = extra.filter(a => a.startsWith('-'))
// test/browser/ is its own suite (npm run test:browser): it needs the built app and a browser.
const files = named.length > 0 ? named : globSync('test/**/*.test.ts').filter(f => !f.startsWith('test/browser/')).sort()
const forced = files.filter(f => FORCE_EXIT.includes(f.replace(/^\.\//, '')))
const free = files.filter(f => !forced.includes(f))

function run (flags: string[], list: string[]): number {
  if (list.length === 0) return 0
  return spawnSync(process.execPath, ['--test', ...flags, '--test-reporter=spec', ...options, ...list], { stdio: 'inherit' }).status ?? 1
}

const status = Math.max(run([], free), run(['--test-force-exit'], forced))
process.exit(status)
