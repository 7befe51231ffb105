// npm run chaos: Hostly at production's shape — a three-node Kafka cluster, two API replicas, two relays, two of
// each worker (owner, traveler, e-mail, analytics), a PostgreSQL server of its own, a real SMTP server —
// under steady load, with faults landed on a seeded schedule, each kind several times; then the checks of
// checks.ts. Prints a report, writes JSON and an SVG picture, and exits 1 if any promise was broken.
//
//   npm run chaos -- --minutes 30 --rate 200 --seed 7 --faults all --each 5
//
// Options: --minutes (of load; default 3), --rate (bookings requested per second; 20), --seed (1), --faults (all,
// or a comma-separated list of kinds and families: kill, freeze, kafka, pg, smtp, kill:email…), --each (times
// each kind is landed; 1), --out (the folder for the report and its picture; bench/results/chaos-<seed>). Loopback only.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { TOPICS } from '../../src/bookings/events.ts'
import { freePort } from '../../src/kafka/local/broker.ts'
import { freshCluster } from '../../support/cluster.ts'
import { startPostgresServer } from '../../support/postgres-server.ts'
import { startProxy } from '../../support/proxy.ts'
import { runToEnd } from '../lib/children.ts'
import { Cleanup } from '../lib/cleanup.ts'
import { makeFixtures } from '../lib/fixtures.ts'
import { summarize } from '../lib/stats.ts'
import { check, settled, violations } from './checks.ts'
import { chosenKinds, Faults, schedule } from './faults.ts'
import { Fleet } from './fleet.ts'
import { Load, LiveClient, seeded, type Answer } from './load.ts'
import { picture, series } from './picture.ts'
import { smtpSink } from '../../support/smtp.ts'

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    rate: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: 'all' },
    each: { type: 'string', default: '1' },
    out: { type: 'string' }
  }
})
const minutes = Number(opts.minutes)
const rate = Number(opts.rate)
const seed = Number(opts.seed)
const each = Number(opts.each)
if (!(minutes > 0) || !(rate > 0) || !Number.isInteger(seed) || !(each >= 1)) {
  console.error('chaos: --minutes and --rate must be positive, --seed an integer, --each at least 1')
  process.exit(2)
}
const kinds = chosenKinds(opts.faults)
const out = resolve(opts.out ?? `bench/results/chaos-${seed}`)
const SESSION_TIMEOUT_MS = 6000
const SETTLE_TIMEOUT_MS = 240_000

const say = (msg: string) => console.log(`chaos ${new Date().toISOString().slice(11, 19)} ${msg}`)
// Each child process adds an 'exit' listener (bench/lib/children.ts) and a run starts a dozen and more, again after each kill.
process.setMaxListeners(0)
const cleanup = new Cleanup()
let passed = false
cleanup.onSignals()

async function main () {
  const workDir = await mkdtemp(join(tmpdir(), 'hostly-chaos-'))
  // The processes' logs are kept when the run fails, for the reader of its report.
  cleanup.add('remove the work folder', () => passed ? rm(workDir, { recursive: true, force: true }) : say(`logs kept in ${workDir}`))
  say(`starting PostgreSQL, a three-node Kafka cluster and an SMTP server (logs in ${workDir})`)
  const [postgres, cluster, smtp] = await Promise.all([startPostgresServer(), freshCluster({ nodes: 3 }), smtpSink({ countOnly: true })])
  cleanup.add('stop PostgreSQL', () => postgres.stop())
  cleanup.add('stop the Kafka cluster', () => cluster.remove())
  cleanup.add('stop the SMTP server', () => smtp.stop())
  const databaseUrl = postgres.url('hostly')
  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: cluster.brokers,
    KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    RELAY_POLL_MS: '200',
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    CURSOR_KEY: 'the chaos run signs list cursors with this key',
    UNSUBSCRIBE_KEY: 'the chaos run signs unsubscribe links with this key',
    REGISTER_MAX_PER_CLIENT: '1000000',
    MAX_PENDING_PER_TRAVELER: '1000000',
    BOOKING_MAX_ADVANCE: '36500d',
    BOOKING_PENDING_TTL: '20s',
    EXPIRY_SWEEP_INTERVAL: '2s',
    LIVE_PING_INTERVAL: '5s'
  }
  await runToEnd(process.execPath, ['src/cli.ts', 'migrate'], { env })
  const fixtures = await makeFixtures(databaseUrl, { travelers: 30, owners: 6, properties: 24 })

  const fleet = new Fleet(env, workDir)
  cleanup.add('stop Hostly', () => fleet.stop())
  await fleet.add('api', 2)
  await fleet.add('relay', 2)
  // Two of every worker, as the issue's production shape has them: a kill or a freeze of one leaves its partitions
  // to the other after a rebalance, instead of a backlog that waits for the restart.
  for (const kind of ['owner', 'traveler', 'email', 'analytics'] as const) await fleet.add(kind, 2)
  await fleet.untilServing()
  // People reach the APIs through a reverse proxy, as through the Ingress in production: a replica that refuses
  // connections (killed, starting again) is passed over for the other.
  const proxy = await startProxy({ upstreams: fleet.apiUrls.map(u => u.replace('http://', '')), port: await freePort() })
  cleanup.add('stop the proxy', () => proxy.stop())
  const urls = () => [proxy.url]
  const live = [...fixtures.travelers, ...fixtures.owners].map((user, i) => new LiveClient(user, urls, i))
  cleanup.add('close the live sockets', () => live.forEach(c => c.close()))
  await Promise.all(live.map(c => c.open()))
  say(`${fleet.replicas.length} Hostly processes, ${live.length} live sockets; ${minutes} min at ${rate} requests/s, faults ${opts.faults} × ${each}`)

  const random = seeded(seed)
  const began = Date.now()
  const durationMs = minutes * 60_000
  const load = new Load(urls, fixtures, random, began)
  const faults = new Faults({ fleet, cluster, postgres, smtp, topic: TOPICS.created, sessionTimeoutMs: SESSION_TIMEOUT_MS }, seeded(seed + 1), began)
  const plan = schedule(kinds, each, Math.min(10_000, durationMs * 0.1), durationMs * 0.85, seeded(seed + 2))
  const faultsOver = faults.play(plan, () => false)
  const progress = setInterval(() => say(`${Math.round((Date.now() - began) / 1000)} s: ${load.answers.length} answers, ${faults.landed.length} of ${plan.length} faults`), 30_000)
  await load.run(rate, durationMs)
  clearInterval(progress)
  await Promise.all([load.settle(), faultsOver])
  const loadMs = Date.now() - began

  say('load over; waiting for every booking to settle, every event to be processed and every socket to catch up')
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  cleanup.add('close the check pool', () => db.end())
  const deadline = Date.now() + SETTLE_TIMEOUT_MS
  let waiting: string | undefined
  while ((waiting = await settled(db, live, cluster.brokers.split(',')).catch((err: Error) => err.message)) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 1000))
  const settleMs = Date.now() - began - loadMs

  const findings = await check(db, cluster.brokers.split(','), { answers: load.answers, live, smtp, crashed: fleet.crashed() })
  const broken = violations(findings)
  if (waiting) broken.unshift(`not settled ${SETTLE_TIMEOUT_MS / 1000} s after the load: ${waiting}`)
  const { rows: delays } = await db.query<{ at: number, ms: number }>(`SELECT (extract(epoch FROM b.created_at) * 1000 - $1)::float8 AS at,
      (extract(epoch FROM n.created_at - b.created_at) * 1000)::float8 AS ms
      FROM bookings b JOIN notifications n ON n.booking_id = b.id AND n.type = 'booking_requested'`, [began])
  const faultsByKind: Record<string, number> = {}
  for (const f of faults.landed) faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1
  const report = {
    options: { minutes, rate, seed, faults: opts.faults, each },
    loadSeconds: Math.round(loadMs / 1000),
    settleSeconds: Math.round(settleMs / 1000),
    answerMs: summarize(load.answers.filter(a => !a.error).map(a => a.ms)),
    notifyDelayMs: summarize(delays.map(d => d.ms)),
    noAnswer: noAnswers(load.answers),
    faultsByKind,
    faults: faults.landed,
    restarts: Object.fromEntries(fleet.replicas.map(r => [r.name, r.restarts])),
    findings,
    violations: broken
  }
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n')
  const title = `Hostly chaos run: ${minutes} min at ${rate}/s, seed ${seed}, ${faults.landed.length} faults`
  await writeFile(join(out, 'chaos.svg'), picture(series(load.answers, delays, loadMs), faults.landed, title))
  printReport(report)
  passed = broken.length === 0
  say(`report: ${join(out, 'report.json')}, picture: ${join(out, 'chaos.svg')}`)
  return passed
}

/** Why requests got no answer, and when (per 5 s since the start). */
function noAnswers (answers: Answer[]) {
  const why: Record<string, number> = {}
  const when: Record<string, number> = {}
  for (const a of answers.filter(x => x.error)) {
    why[a.error!] = (why[a.error!] ?? 0) + 1
    const t = `${Math.floor(a.at / 5000) * 5} s`
    when[t] = (when[t] ?? 0) + 1
  }
  return { why, when }
}

function printReport (r: any) {
  const f = r.findings
  const faultFailures = r.faults.filter((x: any) => x.error)
  console.log(`
  load            ${r.loadSeconds} s, then ${r.settleSeconds} s to settle
  answers         ${f.answers.total}: ${Object.entries(f.answers.byStatus).map(([k, v]) => `${k} × ${v}`).join(', ')}
                  p50 ${Math.round(r.answerMs.p50)} ms, p99 ${Math.round(r.answerMs.p99)} ms, max ${Math.round(r.answerMs.max)} ms
  bookings        ${f.bookings} (${f.answers.created} answered 201; ${f.answers.committedUnanswered} committed whose answer was lost)
  events          ${f.events}
  notifications   ${f.notifications.written} of ${f.notifications.expected} expected: ${f.notifications.missing} missing, ${f.notifications.doubled} doubled
  e-mails         ${f.emails.sent} sent, ${f.emails.delivered} delivered, ${f.emails.resends} resends of the same Message-ID
  live            ${f.live.clients} sockets, ${f.live.reconnects} reconnects, ${f.live.missed} missed, ${f.live.doubled} twice
  notify delay    p50 ${Math.round(r.notifyDelayMs.p50)} ms, p99 ${Math.round(r.notifyDelayMs.p99)} ms; longest notification ${f.longestWaitMs.notification} ms, e-mail ${f.longestWaitMs.email} ms
  faults          ${r.faults.length}: ${Object.entries(r.faultsByKind).map(([k, v]) => `${k} × ${v}`).join(', ')}${faultFailures.length ? `\n  fault errors    ${faultFailures.map((x: any) => `${x.kind}: ${x.error}`).join('; ')}` : ''}
  violations      ${r.violations.length === 0 ? 'none' : '\n    - ' + r.violations.join('\n    - ')}
`)
}

let ok = false
try {
  ok = await main()
} catch (err) {
  console.error('chaos: the run could not finish:', err)
} finally {
  await cleanup.run()
}
process.exit(ok ? 0 : 1)
