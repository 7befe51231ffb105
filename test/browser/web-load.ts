// npm run bench:web (node test/browser/web-load.ts): the web app's first page as a visitor gets it. The JavaScript the first page loads
// (index.html's scripts, gzip -9 sizes, owner chunks excluded as they load on their own pages), then the search
// page opened in Debian's chromium from the API on this machine, 7 times with a cold cache: time to the first
// paint and to interactive (the search results shown and the form answering input), and the bytes that went over
// the wire (every response's headers and body as sent, compressed or not). Medians; figures go to BENCHMARKS.md.
// Needs web/dist (npm run build:web) and PostgreSQL; starts the API alone (no Kafka).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { listProperty, signUp } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack } from '../helpers/stack.ts'
import { launch, PHONE } from './browser.ts'

const dist = join(ROOT, 'web/dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const scripts = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g)].map(m => m[1])
const gz = (f: string) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length
const raw = (f: string) => readFileSync(join(dist, f)).length
const css = [...html.matchAll(/href="\/([^"]+\.css)"/g)].map(m => m[1])
console.log('first page JS:', scripts.map(f => `${f} ${(raw(f) / 1024).toFixed(1)} KiB, gzip ${(gz(f) / 1024).toFixed(1)} KiB`).join('; '))
console.log('first page CSS:', css.map(f => `${f} gzip ${(gz(f) / 1024).toFixed(1)} KiB`).join('; '))

const stack = await startStack({ kafka: false, env: { WEB_DIST: dist } })
const browser = await launch()
try {
  const owner = await signUp(stack.url, 'owner')
  for (let i = 0; i < 12; i++) await listProperty(owner, { name: `Place ${i}`, city: 'Lisbon' })
  const runs: Array<{ fcp: number, interactive: number, bytes: number }> = []
  for (let i = 0; i < 7; i++) {
    const context = await browser.newContext({ viewport: PHONE })
    const page = await context.newPage()
    const sizes: Array<Promise<number>> = []
    page.on('requestfinished', r => sizes.push(r.sizes().then(s => s.responseHeadersSize + s.responseBodySize)))
    await page.goto(stack.url + '/?location=lisbon', { waitUntil: 'commit' })
    await page.getByRole('link', { name: 'Place 11' }).waitFor()
    await page.getByLabel('Where').fill('lisbon!') // the input answers: React is running
    const times = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      interactive: performance.now()
    }))
    runs.push({ ...times, bytes: (await Promise.all(sizes)).reduce((a, b) => a + b, 0) })
    await context.close()
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`first contentful paint: median ${median(runs.map(r => r.fcp)).toFixed(0)} ms; ` +
    `interactive with results: median ${median(runs.map(r => r.interactive)).toFixed(0)} ms (of ${runs.length} cold loads); ` +
    `over the wire: median ${(median(runs.map(r => r.bytes)) / 1024).toFixed(1)} KiB`)
} finally {
  await browser.close()
  await stack.stop()
}
