// The API process's memory after its start: `node bench/api-rss.ts` starts `hostly api` (as the bench runs it) on a
// fresh database, waits until it answers /healthz and 3 s more, and prints its VmRSS and VmHWM (MiB) and the
// heap V8 reports through /proc (VmRSS is what the bench's api.peak_rss_mb reads under load). Light: one process.
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../src/kafka/local/broker.ts'
import { dropDatabase, freshDatabase } from '../support/databases.ts'
import { startChild } from './lib/children.ts'
import { statusMb } from './lib/monitor.ts'

const url = await freshDatabase()
const dir = await mkdtemp(join(tmpdir(), 'hostly-api-rss-'))
const port = await freePort()
const api = startChild('api', process.execPath, [...process.argv.slice(2), 'src/cli.ts', 'api'], {
  cwd: resolve(import.meta.dirname, '..'),
  logFile: join(dir, 'api.log'),
  env: {
    DATABASE_URL: url,
    PORT: String(port),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: '127.0.0.1:9',
    CURSOR_KEY: 'the bench signs list cursors with this key',
    UNSUBSCRIBE_KEY: 'the bench signs unsubscribe links with this key'
  }
})
try {
  const started = Date.now()
  while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then(r => r.ok, () => false))) {
    if (Date.now() - started > 60_000) throw new Error(`the API did not start:\n${await api.tail()}`)
    await sleep(100)
  }
  await sleep(3000)
  console.log(`api started in ${((Date.now() - started) / 1000 - 3).toFixed(1)} s: VmRSS ${statusMb(api.pid, 'VmRSS')?.toFixed(0)} MiB, VmHWM ${statusMb(api.pid, 'VmHWM')?.toFixed(0)} MiB`)
} finally {
  await api.stop()
  await dropDatabase(url)
  await rm(dir, { recursive: true, force: true })
}
