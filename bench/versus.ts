// Before and after of a change to the booking path, on a machine that other work shares.
//
//   node bench/versus.ts [--before <git rev>] [--before-traces <ratio>] [--after-traces <ratio>]
//                        [--rounds 4] [--levels 16,64] [--seconds 10] [--out <file>]
//
// `npm run bench -- creation` compares Hostly with the seed's design in one run, but two such runs minutes apart
// differ by ±10 % on this machine, more when other work runs, and the baseline shares Hostly's schema (a trigger a
// migration adds or removes moves it too). Here both sides are Hostly: "after" is this checkout, "before" the
// commit --before names (checked out into a temporary worktree, started from there on a database its own
// migrations made, with its own fixtures and broker) or this checkout again (to measure a setting: tracing). Their
// creation windows alternate, at each level, round after round, the order reversed each round (ABBA), so that
// both meet the same machine; each round gives a ratio after / before, and the report is their mean and spread.
// Writes bench/results/versus-<timestamp>.json.
import { execFileSync, spawn } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
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
import { bookOne, startHostly, until } from './lib/servers.ts'
import { tracesEnv } from './lib/span-sink.ts'
import { summarize } from './lib/stats.ts'
import { caughtUp, measureCreation, type Target } from './phases/booking-creation.ts'

const { values: flags } = parseArgs({
  options: {
    before: { type: 'string' },
    'before-traces': { type: 'string' },
    'after-traces': { type: 'string' },
    rounds: { type: 'string', default: '4' },
    levels: { type: 'string', default: '16,64' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string' }
  }
})
const rounds = Number(flags.rounds)
const levels = flags.levels.split(',').map(Number)
const seconds = Number(flags.seconds)
const ratioOk = (v: string | undefined) => v === undefined || (Number(v) >= 0 && Number(v) <= 1)
if (!(rounds >= 1) || levels.some(l => !(l >= 1)) || !(seconds > 0) || !ratioOk(flags['before-traces']) || !ratioOk(flags['after-traces'])) {
  console.error('versus: --rounds, --levels and --seconds must be positive, a --…-traces ratio between 0 and 1')
  process.exit(2)
}
const PEOPLE = { travelers: 5000, owners: 20, properties: 200 }
const here = resolve(import.meta.dirname, '..')
const log = (line: string) => console.log(`versus: ${line}`)
const cleanup = new Cleanup()
cleanup.onSignals()
const monitor = new Monitor()

interface Side { name: string, root: string, traces?: string, label: string }

/** The commit's tree in a temporary worktree, sharing this checkout's node_modules. */
async function checkout (rev: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hostly-versus-'))
  execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, rev], { cwd: here })
  cleanup.add(`remove the worktree ${dir}`, async () => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: here })
  })
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

/**
 * A database migrated by the side's own tree, and its people made by the side's own bench/lib/fixtures.ts (a
 * schema of another commit may not take this one's inserts).
 */
async function databaseOf (side: Side): Promise<{ url: string, fixtures: Fixtures }> {
  if (side.root === here) {
    const url = await freshDatabase()
    return { url, fixtures: await makeFixtures(url, PEOPLE) }
  }
  const script = join(side.root, 'bench', 'versus-fixtures.ts')
  await writeFile(script, [
    "import { freshDatabase } from '../support/databases.ts'",
    "import { makeFixtures } from './lib/fixtures.ts'",
    'const url = await freshDatabase()',
    `const fixtures = await makeFixtures(url, ${JSON.stringify(PEOPLE)})`,
    'process.stdout.write(JSON.stringify({ url, fixtures }))'
  ].join('\n'))
  const child = spawn(process.execPath, [script], { cwd: side.root, stdio: ['ignore', 'pipe', 'inherit'] })
  const chunks: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => chunks.push(c))
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  if (code !== 0) throw new Error(`${side.name}: making its database failed (exit ${code})`)
  return JSON.parse(Buffer.concat(chunks).toString())
}

async function start (side: Side, workDir: string): Promise<Target> {
  // A broker each: the two Hostlys use the same topic and group names.
  const broker = await freshBroker()
  cleanup.add(`stop ${side.name}'s broker`, async () => { await broker.stop(); await rm(broker.dataDir, { recursive: true, force: true }) })
  monitor.track(`${side.name}-kafka`, broker.pid)
  await ensureTopics([broker.brokers], Object.values(TOPICS))
  const { url, fixtures } = await databaseOf(side)
  cleanup.add(`drop ${side.name}'s database`, () => dropDatabase(url))
  const ctx = { cleanup, monitor, workDir, brokers: broker.brokers, hostlyEnv: await tracesEnv(side.traces, cleanup) }
  const server = await startHostly(ctx, url, { ownerWorkers: 1, root: side.root, name: side.name })
  const db = createPool(url, 4)
  cleanup.add(`close ${side.name}'s pool`, () => db.end())
  const target: Target = { name: side.name, server, db, stays: new Stays(fixtures) }
  await bookOne(server.url, target.stays)
  await until(`${side.name}: the first booking's notification`, () => caughtUp(db), 60_000)
  log(`${side.name} (${side.label}) ready on ${server.url}`)
  return target
}

async function main () {
  const workDir = await mkdtemp(join(tmpdir(), 'hostly-versus-'))
  cleanup.add('remove the work folder', () => rm(workDir, { recursive: true, force: true }))
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here }).toString().trim()
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: here }).toString().trim() !== ''
  const traced = (r: string | undefined) => r === undefined ? '' : `, tracing ${r}`
  const before: Side = flags.before
    ? { name: 'before', root: await checkout(flags.before), traces: flags['before-traces'], label: `${flags.before}${traced(flags['before-traces'])}` }
    : { name: 'before', root: here, traces: flags['before-traces'], label: `this checkout${traced(flags['before-traces'])}` }
  const after: Side = { name: 'after', root: here, traces: flags['after-traces'], label: `${head}${dirty ? ' with changes' : ''}${traced(flags['after-traces'])}` }
  const targets = { before: await start(before, workDir), after: await start(after, workDir) }
  const load = loadavg()[0]
  log(`load average before the windows: ${load.toFixed(2)}`)

  const results: Array<{ round: number, connections: number, before: number, after: number, before_p99: number, after_p99: number, ratio: number }> = []
  for (let round = 1; round <= rounds; round++) {
    for (const connections of levels) {
      const order = round % 2 === 1 ? [targets.before, targets.after] : [targets.after, targets.before]
      const rps: Record<string, { rps: number, p99: number }> = {}
      for (const t of order) {
        const r = await measureCreation(t, connections, { seconds, warmupS: 3, settleS: 120, monitor })
        rps[t.name] = { rps: r.rps, p99: r.latency.p99 }
      }
      const ratio = rps.after.rps / rps.before.rps
      results.push({ round, connections, before: rps.before.rps, after: rps.after.rps, before_p99: rps.before.p99, after_p99: rps.after.p99, ratio })
      log(`round ${round}, ${connections} connections: before ${rps.before.rps.toFixed(0)} req/s, after ${rps.after.rps.toFixed(0)} req/s, ratio ${ratio.toFixed(3)}`)
    }
  }
  const summary = levels.map(connections => {
    const mine = results.filter(r => r.connections === connections)
    const ratios = mine.map(r => r.ratio)
    return { connections, mean_ratio: summarize(ratios).mean, min_ratio: Math.min(...ratios), max_ratio: Math.max(...ratios), rounds: mine.length }
  })
  console.log('\nafter / before, booking creation (req/s), per level:')
  for (const s of summary) {
    console.log(`  ${String(s.connections).padStart(3)} connections: mean ${s.mean_ratio.toFixed(3)} (rounds ${s.min_ratio.toFixed(3)}–${s.max_ratio.toFixed(3)}, ${s.rounds} of them)`)
  }
  const outFile = resolve(flags.out ?? join(here, 'bench', 'results', `versus-${new Date().toISOString().replace(/[:.]/g, '-')}.json`))
  await mkdir(resolve(outFile, '..'), { recursive: true })
  await writeFile(outFile, JSON.stringify({ before: before.label, after: after.label, rounds, levels, seconds, load_before: load, summary, results }, null, 2))
  log(`results in ${outFile}`)
}

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
} finally {
  await cleanup.run()
}
