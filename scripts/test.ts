// npm test: every test file under test/, against the real Kafka broker (each file starts its own, from
// kafka/libs) and the real PostgreSQL (each file creates and drops its own database).
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'

const files = globSync('test/**/*.test.ts').sort()
const extra = process.argv.slice(2)
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...extra, ...(extra.some(a => !a.startsWith('-')) ? [] : files)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
