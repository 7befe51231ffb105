// npm run test:browser: the web app in a real browser (Debian's chromium driven by playwright-core) against the
// real stack. Builds web/ first, so the tests see the app as it is now; screenshots go to test-results/.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, globSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { freshBroker } from '../support/broker.ts'
import { CHROMIUM } from '../test/browser/browser.ts'

if (!existsSync(CHROMIUM)) {
  console.error(`test:browser: no browser at ${CHROMIUM}; install it with: apt-get install -y chromium`)
  process.exit(1)
}
const build = spawnSync(process.execPath, ['scripts/build-web.ts'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const named = process.argv.slice(2).filter(a => !a.startsWith('-'))
const files = named.length > 0 ? named : globSync('test/browser/*.test.ts').sort()
// Two files at a time (BROWSER_TEST_CONCURRENCY): each starts its own stack and browser and spends most of its time
// waiting on them, so two share the machine's two cores without either waiting long. One broker for them all, as
// in npm test: each stack takes topics and groups of its own on it (a KAFKA_PREFIX, test/helpers/stack.ts).
const concurrency = Math.max(1, Number(process.env.BROWSER_TEST_CONCURRENCY) || 2)
const broker = await freshBroker()
let status: number
try {
  const run = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
    stdio: 'inherit', env: { ...process.env, HOSTLY_TEST_KAFKA_BROKERS: broker.brokers }
  })
  status = await new Promise<number>(resolve => run.on('close', code => resolve(code ?? 1)))
} finally {
  await broker.stop()
  await rm(broker.dataDir, { recursive: true, force: true })
}
process.exit(status)
