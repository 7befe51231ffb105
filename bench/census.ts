// The statement census: what one booking costs, counted in ways that do not depend on the machine's load.
//
//   node bench/census.ts [--bookings 2000] [--connections 16] [--travelers 200] [--api-args=--max-semi-space-size=2]
//
// The API runs with the NODE_OPTIONS of its manifest (deploy/k8s/base/api.yaml), as in the bench; --api-args come after them
// (written with `=`: a value that starts with a dash is otherwise refused).
//
// Hostly as the creation phase runs it (api, relay, owner and traveler workers, bench/lib/servers.ts) on a fresh
// broker and a PostgreSQL server of its own (support/postgres-server.ts) with pg_stat_statements loaded, fsync and
// synchronous_commit on as on the machine's server. It books a fixed number of stays (closed loop), waits until
// every one has its owner's notification, then prints, per booking:
// - every statement each process sent (pg_stat_statements, top level: one line = one round trip) with its calls
//   and PostgreSQL's execution time, and the statements run inside the stored functions (nested);
// - the CPU-seconds of each process (utime + stime from /proc), PostgreSQL's being every process of its server.
// Counts are exact whatever else runs on the machine; times and CPU are per booking, so load stretches them less
// than it does throughput.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { TOPICS } from '../src/bookings/events.ts'
import { ensureDatabase, migrate } from '../src/db/migrate.ts'
import { ensureTopics } from '../src/kafka/client/clients.ts'
import { SCHEMA } from '../src/schema.ts'
import { freshBroker } from '../support/broker.ts'
import { binDir, startPostgresServer } from '../support/postgres-server.ts'
import { Cleanup } from './lib/cleanup.ts'
import { makeFixtures, Stays } from './lib/fixtures.ts'
import { closedLoop } from './lib/load.ts'
import { Monitor, statusMb } from './lib/monitor.ts'
import { bookingRequest, startHostly, until } from './lib/servers.ts'

const { values: flags } = parseArgs({
  options: {
    bookings: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '16' },
    // 5,000 as the bench's creation phase has: each traveler books every 10 s or so there, past the session cache's
    // 5 s, so every request looks its session up; at 200 most are served from memory.
    travelers: { type: 'string', default: '200' },
    'api-args': { type: 'string', default: '' }
  }
})
const N = Number(flags.bookings)
const log = (line: string) => console.log(`census: ${line}`)

function cpuSeconds (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

/** Every process of the PostgreSQL server: the postmaster and its children, alive now. */
function serverPids (postmaster: number): number[] {
  const pids = [postmaster]
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === postmaster) pids.push(Number(entry))
    } catch { /* gone */ }
  }
  return pids
}

/** PostgreSQL's CPU: the live processes' own plus what exited children left in the postmaster's cutime/cstime. */
function postgresCpu (postmaster: number): number {
  let total = serverPids(postmaster).reduce((s, pid) => s + cpuSeconds(pid), 0)
  try {
    const stat = readFileSync(`/proc/${postmaster}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    total += (Number(f[13]) + Number(f[14])) / 100 // children reaped: backends of closed connections
  } catch { /* gone */ }
  return total
}

/**
 * The WAL written during the window, per booking, by kind of record (pg_waldump --stats=record): what PostgreSQL wrote
 * for each row inserted, updated, locked or indexed, counted exactly whatever the machine's load; FPI bytes are
 * whole pages written again after a checkpoint.
 */
function walByRecord (dataDir: string, from: string, to: string, bookings: number, bin: string) {
  const out = execFileSync(join(bin, 'pg_waldump'), ['--stats=record', '-p', join(dataDir, 'pg_wal'), '-s', from, '-e', to], { encoding: 'utf8' })
  // "Heap/INSERT   count (pct)   rec bytes (pct)   fpi bytes (pct)   combined (pct)"
  const records = out.split('\n').flatMap(line => {
    const m = /^(\S+(?:\/\S+)?)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)\s+\(\s*[\d.]+\)\s+(\d+)/.exec(line)
    return m && m[1] !== 'Total' ? [{ kind: m[1], count: Number(m[2]), fpi: Number(m[4]), bytes: Number(m[5]) }] : []
  }).sort((a, b) => b.bytes - a.bytes)
  const total = records.reduce((s, r) => s + r.bytes, 0)
  console.log(`\nWAL per booking: ${(total / bookings).toFixed(0)} bytes in ${(records.reduce((s, r) => s + r.count, 0) / bookings).toFixed(1)} records`)
  console.log('  records   bytes   (of which full pages)   kind')
  for (const r of records.slice(0, 14)) {
    console.log(`${(r.count / bookings).toFixed(2).padStart(9)} ${(r.bytes / bookings).toFixed(0).padStart(7)}   ${(r.fpi / bookings).toFixed(0).padStart(7)}                 ${r.kind}`)
  }
}

const cleanup = new Cleanup()
cleanup.onSignals()

async function main () {
  const workDir = await mkdtemp(join(tmpdir(), 'hostly-census-'))
  cleanup.add('remove the work folder', () => rm(workDir, { recursive: true, force: true }))
  const [server, broker] = await Promise.all([
    startPostgresServer({
      settings: ["shared_preload_libraries = 'pg_stat_statements'", "pg_stat_statements.track = 'all'",
        'pg_stat_statements.max = 5000', 'fsync = on', 'synchronous_commit = on', 'full_page_writes = on']
    }),
    freshBroker()
  ])
  cleanup.add('stop the server', () => server.stop())
  cleanup.add('stop the broker', async () => { await broker.stop(); await rm(broker.dataDir, { recursive: true, force: true }) })
  const url = server.url('hostly_census')
  await ensureDatabase(url)
  await migrate(url, SCHEMA)
  await ensureTopics([broker.brokers], Object.values(TOPICS))
  const db = new pg.Pool({ connectionString: url, max: 2 })
  cleanup.add('close the pool', () => db.end())
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  const fixtures = await makeFixtures(url, { travelers: Number(flags.travelers), owners: 20, properties: 200 })
  const monitor = new Monitor()
  const hostly = await startHostly({ cleanup, monitor, workDir, brokers: broker.brokers }, url, { ownerWorkers: 1, apiNodeArgs: flags['api-args'].split(' ').filter(Boolean) })
  const stays = new Stays(fixtures)
  const count = async () => {
    const { rows: [r] } = await db.query(
      "SELECT (SELECT count(*) FROM bookings)::int AS b, (SELECT count(*) FROM notifications WHERE type = 'booking_requested')::int AS n")
    return r as { b: number, n: number }
  }
  const settled = async () => { const c = await count(); return c.b === c.n }
  // Warm-up: every process has prepared its statements and JIT-compiled its paths.
  await closedLoop({ url: hostly.url, connections: Number(flags.connections), seconds: 60, maxRequests: 500, expect: 201, next: () => bookingRequest(stays.take()) })
  await until('the warm-up to be notified', settled, 120_000, 100)

  const postmaster = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const before = await count()
  await db.query('SELECT pg_stat_statements_reset()')
  const cpu0 = new Map(hostly.processes.map(p => [p.name, cpuSeconds(p.pid)]))
  const pg0 = postgresCpu(postmaster)
  const lsn = async () => (await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn
  const wal0 = await lsn()
  const started = Date.now()
  const load = await closedLoop({ url: hostly.url, connections: Number(flags.connections), seconds: 600, maxRequests: N, expect: 201, next: () => bookingRequest(stays.take()) })
  await until('every booking to be notified', settled, 300_000, 100)
  const elapsed = (Date.now() - started) / 1000
  const cpu = Object.fromEntries(hostly.processes.map(p => [p.name, cpuSeconds(p.pid) - cpu0.get(p.name)!]))
  cpu.postgres = postgresCpu(postmaster) - pg0
  const wal1 = await lsn()
  const made = (await count()).b - before.b
  log(`${made} bookings (${load.failed} failed) in ${elapsed.toFixed(1)} s, ${Number(flags.connections)} connections; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)

  const { rows } = await db.query(`
    SELECT toplevel, calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = current_database() AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%booking_requested%'
     ORDER BY toplevel DESC, calls DESC`)
  const per = (x: number) => x / made
  const line = (r: { calls: string, total_exec_time: number, query: string }) =>
    `${per(Number(r.calls)).toFixed(3).padStart(7)} ${(1000 * per(r.total_exec_time)).toFixed(1).padStart(7)}  ${r.query.slice(0, 150)}`
  const top = rows.filter(r => r.toplevel)
  console.log('\nTop-level statements (round trips), per booking:   calls   µs of execution   statement')
  for (const r of top) console.log(line(r))
  console.log(`${per(top.reduce((s, r) => s + Number(r.calls), 0)).toFixed(3).padStart(7)} ${(1000 * per(top.reduce((s, r) => s + r.total_exec_time, 0))).toFixed(1).padStart(7)}  in all`)
  console.log('\nNested (inside functions), per booking:')
  for (const r of rows.filter(r => !r.toplevel).slice(0, 25)) console.log(line(r))
  walByRecord(server.dataDir, wal0, wal1, made, await binDir())
  console.log('\nCPU per booking, ms:')
  for (const [name, s] of Object.entries(cpu)) console.log(`  ${name.padEnd(16)} ${(1000 * per(s)).toFixed(3)}`)
  console.log(`  ${'all of these'.padEnd(16)} ${(1000 * per(Object.values(cpu).reduce((a, b) => a + b, 0))).toFixed(3)}`)
  const api = hostly.processes[0]
  console.log(`\nAPI memory after the run: VmRSS ${statusMb(api.pid, 'VmRSS')?.toFixed(0)} MiB, VmHWM (peak since start) ${statusMb(api.pid, 'VmHWM')?.toFixed(0)} MiB`)
}

main().then(() => cleanup.run(), async err => { console.error(err); await cleanup.run(); process.exitCode = 1 })
