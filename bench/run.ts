// npm run bench [-- scale|creation|live] [-- --smoke] [-- --out <file>] [-- --profile] [-- --scale-seconds <s>] [-- --scale-fraction <f>]
//
// Measures Hostly against the seed's design on a fresh local Kafka broker and fresh PostgreSQL databases,
// prints tables and writes bench/results/<timestamp>.json. See BENCHMARKS.md for what each figure means.
//   --smoke    a second or so per phase and tiny counts: checks the bench itself works (test/bench-smoke.test.ts)
//   --out      where to write the JSON (default bench/results/<timestamp>.json)
//   scale      only the data-scale phase (phases/data-scale.ts): small and large data sets, the same operations
//   creation   only booking creation against the baseline, and accepts (about a minute): the before/after figure
//              of a change to the booking path
//   live       only live push and e-mail (phases/live.ts): 201 → the owner's WebSocket, a conversation's message →
//              the other party's WebSocket at 20/s, 2,000 sockets on one API process, booking creation with the
//              e-mail worker and sockets running against without (about 3½ minutes)
//   --scale-seconds     seconds each data-scale operation is measured (default 10; smoke 1)
//   --scale-fraction    the large data set at this fraction of its full size (default 1), for trying the phase out
//   --traces <ratio>  Hostly's processes trace, sampling this share of new traces (0.1), and export to a span
//              sink that discards them (lib/span-sink.ts): the cost of tracing, against a run without
//   --profile  only booking creation of Hostly at the highest level, with the API under --cpu-prof; prints
//              the API's top self-time functions and writes the profile and its flame graph (.svg) next to the JSON
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { TOPICS } from '../src/bookings/events.ts'
import { createPool } from '../src/db/pool.ts'
import { ensureTopics } from '../src/kafka/client/clients.ts'
import { freshBroker } from '../support/broker.ts'
import { dropDatabase, freshDatabase } from '../support/databases.ts'
import { Cleanup } from './lib/cleanup.ts'
import { makeFixtures, Stays, type Fixtures } from './lib/fixtures.ts'
import { Monitor } from './lib/monitor.ts'
import { writeFlameGraph } from './lib/flamegraph.ts'
import { summarizeProfile } from './lib/profile.ts'
import { render } from './lib/report.ts'
import { tracesEnv } from './lib/span-sink.ts'
import { acceptOne, bookOne, startBaseline, startHostly, until } from './lib/servers.ts'
import { nowMs, rounded } from './lib/stats.ts'
import { acceptThroughput } from './phases/accept.ts'
import { creationAgainstBaseline } from './phases/baseline.ts'
import { caughtUp, measureCreation, type Target } from './phases/booking-creation.ts'
import { dbCeiling } from './phases/db-ceiling.ts'
import { endToEnd } from './phases/end-to-end.ts'
import { kafkaClients, kafkaClientTopics } from './phases/kafka-clients.ts'
import { dataScale } from './phases/data-scale.ts'
import { livePhase } from './phases/live.ts'
import type { ScaleSize } from './lib/scale-data.ts'

// The data-scale phase's sizes: the large one is issue 13's (50,000 properties, 1,000,000 bookings, …), the
// small one a hundredth of it, in the same shape.
const LARGE: ScaleSize = {
  travelers: 20_000,
  owners: 5_000,
  properties: 50_000,
  bookings: 1_000_000,
  outbox: 1_000_000,
  notifications: 2_000_000,
  heavyOwner: { properties: 200, bookings: 20_000, notifications: 100_000 },
  heavyTravelerBookings: 5_000
}
const scaled = (s: ScaleSize, f: number): ScaleSize => {
  const r = (n: number) => Math.max(1, Math.round(n * f))
  return {
    travelers: r(s.travelers),
    owners: r(s.owners),
    properties: r(s.properties),
    bookings: r(s.bookings),
    outbox: r(s.outbox),
    notifications: r(s.notifications),
    heavyOwner: { properties: r(s.heavyOwner.properties), bookings: r(s.heavyOwner.bookings), notifications: r(s.heavyOwner.notifications) },
    heavyTravelerBookings: r(s.heavyTravelerBookings)
  }
}

const FULL = {
  people: { travelers: 5000, owners: 20, properties: 200 },
  creation: { levels: [16, 64], seconds: 15, warmupS: 3 },
  endToEnd: { rates: [100, 500], seconds: 20, maxInFlight: 256 },
  accept: { connections: 16, seconds: 10 },
  kafkaClients: { records: 20_000 },
  dbCeiling: { seconds: 10, warmupS: 3 },
  scale: { small: scaled(LARGE, 0.01), large: LARGE, seconds: 10, warmupS: 2, readConnections: 4, writeConnections: 16, relayBookings: 5000, sweepRuns: 50 },
  live: {
    endToEnd: { rate: 100, seconds: 15, maxInFlight: 256, lighter: [25, 50] },
    messages: { rate: 20, count: 600, pairs: 20, maxInFlight: 256 },
    sockets: { count: 2000, pushes: 500, pushRate: 50, settleMemoryMs: 2000 },
    creation: { connections: 16, seconds: 10, warmupS: 3 },
    settleS: 120
  },
  settleS: 120
}
const SMOKE: typeof FULL = {
  people: { travelers: 20, owners: 4, properties: 20 },
  creation: { levels: [16, 64], seconds: 1, warmupS: 1 },
  endToEnd: { rates: [100, 500], seconds: 1, maxInFlight: 256 },
  accept: { connections: 16, seconds: 1 },
  kafkaClients: { records: 500 },
  dbCeiling: { seconds: 1, warmupS: 1 },
  scale: { small: scaled(LARGE, 0.002), large: scaled(LARGE, 0.004), seconds: 0.5, warmupS: 0.2, readConnections: 4, writeConnections: 8, relayBookings: 100, sweepRuns: 3 },
  live: {
    endToEnd: { rate: 100, seconds: 1, maxInFlight: 256, lighter: [25] },
    messages: { rate: 20, count: 40, pairs: 4, maxInFlight: 256 },
    sockets: { count: 50, pushes: 20, pushRate: 100, settleMemoryMs: 200 },
    creation: { connections: 16, seconds: 1, warmupS: 0.5 },
    // Caps of waits for a signal (the backlog drained, the e-mail worker caught up), not pauses: as generous as a
    // full run's, since the smoke test runs beside other test files (30 s timed out on the busy machine, 2026-12-06).
    settleS: 120
  },
  settleS: 120
}
const BASELINE_TOPIC = 'bench-baseline-booking-created'

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { smoke: { type: 'boolean' }, profile: { type: 'boolean' }, out: { type: 'string' }, traces: { type: 'string' }, 'scale-seconds': { type: 'string' }, 'scale-fraction': { type: 'string' } }
})
const PHASES = ['all', 'scale', 'creation', 'live']
const phase = positionals[0] ?? 'all'
if (!PHASES.includes(phase) || positionals.length > 1) {
  console.error(`bench: unknown phase ${positionals.join(' ')} (one of: ${PHASES.join(', ')})`)
  process.exit(2)
}
const smoke = flags.smoke || process.env.BENCH_SMOKE === '1'
const cfg = smoke ? SMOKE : FULL
for (const [flag, value] of [['scale-seconds', flags['scale-seconds']], ['scale-fraction', flags['scale-fraction']]] as const) {
  if (value !== undefined && !(Number(value) > 0)) {
    console.error(`bench: --${flag} must be a positive number`)
    process.exit(2)
  }
}
if (flags.traces !== undefined && !(Number(flags.traces) >= 0 && Number(flags.traces) <= 1)) {
  console.error('bench: --traces must be a ratio between 0 and 1 (0.1: one trace in ten)')
  process.exit(2)
}
if (flags['scale-seconds']) cfg.scale.seconds = Number(flags['scale-seconds'])
if (flags['scale-fraction']) cfg.scale.large = scaled(LARGE, Number(flags['scale-fraction']))
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const outFile = resolve(flags.out ?? join(import.meta.dirname, 'results', `${stamp}${flags.profile ? '-profile' : ''}.json`))
const log = (line: string) => console.log(`bench: ${line}`)
// kafkajs 2.2.4 on Node 24 sets negative timeouts (Node clamps them to 1 ms, as older Nodes did silently).
process.removeAllListeners('warning')
process.on('warning', w => { if (w.name !== 'TimeoutNegativeWarning') console.warn(w) })

const cleanup = new Cleanup()
cleanup.onSignals()
const monitor = new Monitor()
monitor.track('bench', process.pid)
const started = nowMs()

async function database (): Promise<string> {
  const url = await freshDatabase()
  cleanup.add(`drop ${url}`, () => dropDatabase(url))
  monitor.trackDatabase(new URL(url).pathname.slice(1))
  return url
}

async function target (name: string, databaseUrl: string, fixtures: Fixtures, server: Target['server']): Promise<Target> {
  const db = createPool(databaseUrl, 4)
  cleanup.add(`close pool of ${name}`, () => db.end())
  return { name, server, db, stays: new Stays(fixtures) }
}

/** A first booking reaches its owner's notification (and, for Hostly, its acceptance the traveler's). */
async function canary (t: Target, fixtures: Fixtures, accept: boolean) {
  const id = await bookOne(t.server.url, t.stays)
  await until(`${t.name}: the first booking's notification`, () => caughtUp(t.db), 60_000)
  if (!accept) return
  const { rows: [{ owner_id }] } = await t.db.query('SELECT p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1', [id])
  await acceptOne(t.server.url, fixtures, id, owner_id)
  await until(`${t.name}: the traveler's notification`, async () =>
    (await t.db.query("SELECT 1 FROM notifications WHERE type = 'booking_accepted' AND booking_id = $1", [id])).rowCount === 1, 60_000)
}

/** Other work on the machine skews every figure: say where it was seen. */
function noise (busyBefore: number): string[] {
  const warnings = [
    ...(busyBefore > 10 ? [`before the bench, the machine was ${busyBefore.toFixed(0)} % of a core busy`] : []),
    ...monitor.warnings
  ]
  for (const w of warnings) console.error(`bench: warning: ${w}`)
  return warnings
}

let busyBefore = 0

async function main () {
  const quiet = monitor.window('before the bench')
  await new Promise(resolve => setTimeout(resolve, 1000))
  busyBefore = quiet.stop().cpu.machine
  const workDir = await mkdtemp(join(tmpdir(), 'hostly-bench-'))
  cleanup.add('remove the work folder', () => rm(workDir, { recursive: true, force: true }))
  const broker = await freshBroker()
  cleanup.add('stop the broker', async () => { await broker.stop(); await rm(broker.dataDir, { recursive: true, force: true }) })
  monitor.track('kafka-broker', broker.pid)
  const brokers = [broker.brokers]
  await ensureTopics(brokers, [...Object.values(TOPICS), BASELINE_TOPIC, ...kafkaClientTopics])
  log(`broker on ${broker.brokers}, work folder ${workDir}`)

  const ctx = { cleanup, monitor, workDir, brokers: broker.brokers, hostlyEnv: await tracesEnv(flags.traces, cleanup, log) }
  const scale = () => dataScale({ ...cfg.scale, ...ctx, database, log })
  if (phase === 'scale') {
    const data = await scale()
    return save(rounded({
      ...await header(await database()),
      settings: { scale: cfg.scale },
      data_scale: data,
      warnings: noise(busyBefore)
    }, 3))
  }
  if (phase === 'live') {
    const { live, cpu } = await liveOnly(ctx)
    return save(rounded({
      ...await header(await database()),
      settings: { people: cfg.people, live: cfg.live },
      live,
      cpu,
      warnings: noise(busyBefore)
    }, 3))
  }
  const oursUrl = await database()
  const oursPeople = await makeFixtures(oursUrl, cfg.people)
  const profileDir = join(workDir, 'profile')
  const hostly = await startHostly(ctx, oursUrl, { ownerWorkers: 1, apiNodeArgs: flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] })
  const ours = await target('Hostly', oursUrl, oursPeople, hostly)
  await canary(ours, oursPeople, true)
  log(`Hostly ready on ${hostly.url}`)

  if (flags.profile) return profile(ours, profileDir)

  const baseUrl = await database()
  const basePeople = await makeFixtures(baseUrl, cfg.people)
  const baselineServer = await startBaseline(ctx, baseUrl, BASELINE_TOPIC)
  const baseline = await target('baseline', baseUrl, basePeople, baselineServer)
  await canary(baseline, basePeople, false)
  log(`baseline ready on ${baselineServer.url}`)

  const cpu: Record<string, Record<string, number>> = {}
  const creation = await creationAgainstBaseline(ours, baseline, { ...cfg.creation, settleS: cfg.settleS, monitor, log })
  for (const l of creation.levels) {
    cpu[`creation Hostly c${l.connections}`] = l.ours.cpu
    cpu[`creation baseline c${l.connections}`] = l.baseline.cpu
  }
  const e2e = phase === 'creation' ? [] : await endToEnd(ours, { ...cfg.endToEnd, settleS: cfg.settleS, monitor, log })
  for (const e of e2e) cpu[`end to end ${e.rate}/s`] = e.cpu
  const accept = await acceptThroughput(ours, oursPeople, { ...cfg.accept, monitor })
  cpu[`accept c${cfg.accept.connections}`] = accept.cpu
  log(`accept: ${accept.rps.toFixed(0)} req/s, p99 ${accept.latency.p99.toFixed(1)} ms`)
  if (phase === 'creation') {
    await Promise.all([hostly.stop(), baselineServer.stop()])
    return save(rounded({
      ...await header(oursUrl),
      settings: cfg,
      booking_creation: { levels: creation.levels },
      baseline: { throughput_ratio: creation.throughput_ratio, p99_ratio: creation.p99_ratio },
      accept,
      cpu,
      warnings: noise(busyBefore)
    }, 3), false)
  }
  await Promise.all([hostly.stop(), baselineServer.stop()]) // the phases below want a quiet machine

  const live = await liveOnly(ctx)
  Object.assign(cpu, live.cpu)

  const kafka = await kafkaClients(brokers, { ...cfg.kafkaClients, monitor, log })
  cpu['kafka clients: platformatic produce'] = kafka.platformatic.cpu_produce
  cpu['kafka clients: platformatic consume'] = kafka.platformatic.cpu_consume
  cpu['kafka clients: kafkajs produce'] = kafka.kafkajs.cpu_produce
  cpu['kafka clients: kafkajs consume'] = kafka.kafkajs.cpu_consume

  const pgbUrl = await database()
  const pgbPeople = await makeFixtures(pgbUrl, cfg.people)
  const pgbench = await dbCeiling(pgbUrl, pgbPeople, { ...cfg.dbCeiling, levels: cfg.creation.levels, workDir, monitor, log })
  for (const run of pgbench) cpu[`pgbench ${run.variant} c${run.clients}`] = run.cpu
  const data = await scale()

  const tps = (clients: number, variant: string) => pgbench.find(p => p.clients === clients && p.variant === variant)!.tps
  const dbLevels = creation.levels.map(l => ({
    clients: l.connections,
    ours_rps: l.ours.rps,
    as_hostly: tps(l.connections, 'as_hostly'),
    seven_statements: tps(l.connections, 'seven_statements'),
    share: l.ours.rps / tps(l.connections, 'as_hostly')
  }))
  const oursBest = Math.max(...dbLevels.map(l => l.ours_rps))
  const ceiling = Math.max(...dbLevels.map(l => l.as_hostly))
  const at100 = e2e.find(e => e.rate === 100) ?? e2e[0]

  const results = {
    ...await header(oursUrl),
    settings: cfg,
    booking_creation: { levels: creation.levels },
    baseline: {
      // Hostly / baseline at the least favourable level (see phases/baseline.ts).
      throughput_ratio: creation.throughput_ratio,
      p99_ratio: creation.p99_ratio,
      levels: creation.levels.map(l => ({ connections: l.connections, throughput_ratio: l.throughput_ratio, p99_ratio: l.p99_ratio })),
      peak_rss_mb: Math.max(...creation.levels.map(l => l.baseline.rss_hwm_mb))
    },
    end_to_end: { p99_ms: at100.e2e_ms.p99, visible_p99_ms: at100.visible_ms.p99, rate: at100.rate, rates: e2e },
    accept,
    kafka_clients: kafka,
    db_ceiling: { share: oursBest / ceiling, ours_best_rps: oursBest, pgbench_best_tps: ceiling, levels: dbLevels, runs: pgbench },
    api: {
      // VmHWM after the booking-creation windows: the peak since the API started, which those windows hold.
      peak_rss_mb: Math.max(...creation.levels.map(l => l.ours.rss_hwm_mb)),
      sampled_max_rss_mb: Math.max(...creation.levels.map(l => l.ours.rss_max_mb))
    },
    data_scale: data,
    live: live.live,
    cpu,
    warnings: noise(busyBefore)
  }
  await save(rounded(results, 3))
}

/**
 * The live phase on a Hostly of its own (fresh database, topics and groups under a prefix of their own), which it
 * stops at the end. Without the prefix, its e-mail worker's group, new to the broker, read every event the phases
 * before it had published, and refused each (none is in this database's outbox) through the whole phase.
 */
async function liveOnly (outer: { cleanup: Cleanup, monitor: Monitor, workDir: string, brokers: string, hostlyEnv?: Record<string, string> }) {
  const ctx = { ...outer, hostlyEnv: { ...outer.hostlyEnv, KAFKA_PREFIX: 'live.' } }
  const url = await database()
  const people = await makeFixtures(url, cfg.people)
  const server = await startHostly(ctx, url, { ownerWorkers: 1 })
  const t = await target('Hostly (live)', url, people, server)
  await canary(t, people, false)
  log(`Hostly for the live phase ready on ${server.url}`)
  const result = await livePhase(t, people, url, cfg.live, { ...ctx, log })
  await server.stop()
  return result
}

async function profile (ours: Target, profileDir: string) {
  const connections = Math.max(...cfg.creation.levels)
  const run = await measureCreation(ours, connections, { ...cfg.creation, settleS: cfg.settleS, monitor })
  log(`booking creation under --cpu-prof, ${connections} connections: ${run.rps.toFixed(0)} req/s`)
  await ours.server.processes[0].stop() // the profile is written at exit
  const [file] = (await readdir(profileDir)).filter(f => f.endsWith('.cpuprofile'))
  const summary = await summarizeProfile(join(profileDir, file))
  const kept = outFile.replace(/\.json$/, '.cpuprofile.json') // *.json: ignored by git like the results
  await mkdir(resolve(kept, '..'), { recursive: true })
  await copyFile(join(profileDir, file), kept)
  const svg = outFile.replace(/\.json$/, '.svg') // committed when BENCHMARKS.md shows it
  await writeFlameGraph(kept, svg, `hostly api, booking creation at ${connections} connections (${run.rps.toFixed(0)} req/s), node --cpu-prof`)
  log(`flame graph: ${svg}`)
  console.log('\nAPI self time by area (% of busy time)')
  for (const a of summary.areas) console.log(`${a.pct.toFixed(1).padStart(6)} %  ${a.name}`)
  console.log('\nAPI top functions by self time (% of busy time)')
  for (const f of summary.top_functions) console.log(`${f.pct.toFixed(1).padStart(6)} %  ${f.name}`)
  await save(rounded({ version: 1, mode: 'profile', connections, creation: run, profile: summary, cpuprofile: kept }, 3), false)
}

/** What every results file starts with: the run, the phase and the machine (the database answers its version). */
async function header (databaseUrl: string) {
  return {
    version: 1,
    mode: smoke ? 'smoke' : 'full',
    phase,
    traces: flags.traces === undefined ? 'off' : `ratio ${flags.traces}`,
    started_at: new Date(started).toISOString(),
    duration_s: (nowMs() - started) / 1000,
    machine: await machine(databaseUrl)
  }
}

async function machine (databaseUrl: string) {
  const db = createPool(databaseUrl, 1)
  const { rows: [{ version }] } = await db.query('SELECT version()')
  await db.end()
  const jar = (await readdir(resolve(import.meta.dirname, '../kafka/libs'))).find(f => /^kafka_2\.13-/.test(f))
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    memory_gib: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    postgres: version.split(' on ')[0],
    kafka: jar?.replace(/^kafka_2\.13-|\.jar$/g, '')
  }
}

async function save (results: Record<string, unknown>, print = true) {
  await mkdir(resolve(outFile, '..'), { recursive: true })
  await writeFile(outFile, JSON.stringify(results, null, 2) + '\n')
  if (print) console.log('\n' + render(results))
  console.log(`\nbench: results in ${outFile} (${((nowMs() - started) / 1000).toFixed(0)} s)`)
}

let code = 0
try {
  await main()
} catch (err) {
  console.error('bench: failed:', err)
  code = 1
} finally {
  await cleanup.run()
}
process.exit(code)
