// npm test: every test file under test/, against the real Kafka broker (each file starts its own, from
// kafka/libs) and the real PostgreSQL (each file creates and drops its own database).
// `npm test -- test/x.test.ts` runs one file; other arguments go to `node --test`.
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'

// --test-force-exit ends a file's process once its tests are done, whatever still holds the event loop. Given to
// every file, it hides our own leaked handles (a pool not ended, a timer not cleared), so it goes only to the
// files listed here, each with the library that needs it.
//
// It was given to all files for @platformatic/kafka 2.12.1, which can leave a consumer's heartbeat timer running
// after close() (a heartbeat in flight when the consumer leaves its group answers with an error that schedules a
// rejoin). Measured on 2026-11-25, each file run alone by `node --test` without the flag: 26 runs of the 17 files
// (flow, dead-letters, replay and kafka-outage three times each, relay, idempotency and expiry twice, cli, faults
// and bench-smoke once) all ended by themselves, none near the 300 s limit the runs had. So no file is listed.
// If the race comes back, a file whose tests passed stops ending and npm test hangs there: that is the signal.
// Find the handle (`process.getActiveResourcesInfo()` in an `after` hook names it); fix it if it is ours, list
// the file here with the library and the reason if it is a library's.
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
