// npm test: every test file under test/, against the real Kafka broker (each file starts its own, from
// kafka/libs) and the real PostgreSQL (each file creates and drops its own database).
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'

const files = globSync('test/**/*.test.ts').sort()
const extra = process.argv.slice(2)
// --test-force-exit: @platformatic/kafka 2.12.1 can leave a consumer's heartbeat timer running after close()
// (a heartbeat in flight when the consumer leaves its group answers with an error that schedules a rejoin),
// which would keep a test file's process alive once its tests are done. Hostly's own processes end with
// process.exit, so there it costs nothing; here the runner ends each file when its tests are done.
const result = spawnSync(process.execPath, ['--test', '--test-force-exit', '--test-reporter=spec', ...extra, ...(extra.some(a => !a.startsWith('-')) ? [] : files)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
