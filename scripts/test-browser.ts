// npm run test:browser: the web app in a real browser (Debian's chromium driven by playwright-core) against the
// real stack. Builds web/ first, so the tests see the app as it is now; screenshots go to test-results/.
import { spawnSync } from 'node:child_process'
import { existsSync, globSync } from 'node:fs'
import { CHROMIUM } from '../test/browser/browser.ts'

if (!existsSync(CHROMIUM)) {
  console.error(`test:browser: no browser at ${CHROMIUM}; install it with: apt-get install -y chromium`)
  process.exit(1)
}
const build = spawnSync(process.execPath, ['scripts/build-web.ts'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const named = process.argv.slice(2).filter(a => !a.startsWith('-'))
const files = named.length > 0 ? named : globSync('test/browser/*.test.ts').sort()
// One file at a time: each starts its own broker and browser, and the machine has few cores.
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' })
process.exit(run.status ?? 1)
