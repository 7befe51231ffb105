// npm test: every test file under test/, against the real Kafka broker and the real PostgreSQL (each file
// creates and drops its own database). `npm test -- test/<name>.test.ts` runs one file; other arguments starting
// with `-` go to each file's `node --test`.
//
// One broker for the whole run: startStack() (test/helpers/stack.ts) gives each stack its own KAFKA_PREFIX on it,
// so files share its JVM (several seconds of CPU to start, each) but never a topic or a group. Files run in
// parallel, TEST_CONCURRENCY at once (default 4: most of a file's time is spent waiting on Kafka, PostgreSQL or
// its own children — 689 s of CPU in 3,000 s of the files' wall time in one run — BENCHMARKS.md "Test suite"),
// except files that say in their first lines
//   // test-suite: alone — <why>
// (they restart PostgreSQL servers, kill brokers or measure): those run afterwards, one at a time, with nothing
// else. Each file's output is printed whole when it ends, then a table of every file's wall time, then why each
// failed file failed (failureDigest).
import { spawn } from 'node:child_process'
import { existsSync, globSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshBroker, warmBrokerClassData, type FreshBroker } from '../support/broker.ts'

// --test-force-exit ends a file's process once its tests are done, whatever still holds the event loop. Given to
// every file it would hide our own leaked handles (a pool not ended, a timer not cleared), so it goes only to the
// files listed here, each with the library that needs it. None is: every file ends by itself (BENCHMARKS.md, "Test
// files end by themselves"). A file that passes and then hangs is the signal: name the handle with
// `process.getActiveResourcesInfo()` in an `after` hook, fix it if it is ours, list the file here if a library's.
const FORCE_EXIT: string[] = []

/**
 * Where the last run's wall time of each file is kept: the slowest start first, so the run ends sooner. A fresh
 * clone (CI) has none and starts from SEED_TIMES, a run's table as committed (BENCHMARKS.md, "Test suite").
 */
const TIMES_FILE = '.data/test-times.json'
const COMPILE_CACHE = join(import.meta.dirname, '..', '.data', 'compile-cache')
const SEED_TIMES = 'scripts/test-times.json'

const extra = process.argv.slice(2)
const named = extra.filter(a => !a.startsWith('-'))
const options = extra.filter(a => a.startsWith('-'))
// test/browser/ is its own suite (npm run test:browser): it needs the built app and a browser.
const files = (named.length > 0 ? named : globSync('test/**/*.test.ts').filter(f => !f.startsWith('test/browser/')).sort())
  .map(f => f.replace(/^\.\//, ''))
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY) || 4)

/** The reason a file gives for running alone, if it does (a `// test-suite: alone` line near its top). */
export function aloneReason (source: string): string | undefined {
  const match = /^\/\/ test-suite: alone\b\s*(?:[—:-]\s*)?(.*)$/m.exec(source.split('\n').slice(0, 30).join('\n'))
  return match ? (match[1].trim() || 'alone') : undefined
}

interface Outcome { file: string, ms: number, cpuS?: number, status: number, alone: boolean, output: string }

// GNU time reports the CPU a file used, its children (brokers, hostly processes) included: what the suite's
// length on two cores comes down to. Without it, wall times only.
const TIME = '/usr/bin/time'
const timed = existsSync(TIME)

// A file that has not ended after this long is killed, with everything it started, and fails with the output it had
// written: one hung file must not hold the whole run until CI's limit (live-slow-reader.test.ts did not end for 17
// minutes on a machine with a core taken, and a file's output is printed only when it ends, so where it hung was
// not seen). The slowest file takes about 9 minutes under that load.
const FILE_LIMIT_MS = Number(process.env.TEST_FILE_LIMIT_MS) || 20 * 60_000

async function runFile (file: string, env: NodeJS.ProcessEnv): Promise<Omit<Outcome, 'alone'>> {
  const started = Date.now()
  const flags = FORCE_EXIT.includes(file) ? ['--test-force-exit'] : []
  const cpuFile = join(tmpdir(), `hostly-test-cpu-${process.pid}-${file.replace(/\W/g, '_')}`)
  const command = [process.execPath, '--test', ...flags, '--test-reporter=spec', ...options, file]
  const [bin, ...args] = timed ? [TIME, '-q', '-f', '%U %S', '-o', cpuFile, ...command] : command
  // A process group of its own, so that the limit can end the file's processes and whatever they started.
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const chunks: Buffer[] = []
  child.stdout.on('data', (c: Buffer) => chunks.push(c))
  child.stderr.on('data', (c: Buffer) => chunks.push(c))
  let overran = false
  const limit = setTimeout(() => {
    overran = true
    chunks.push(Buffer.from(`\n✖ ${file} had not ended after ${Math.round(FILE_LIMIT_MS / 1000)} s (TEST_FILE_LIMIT_MS): killed\n`))
    try { process.kill(-child.pid!, 'SIGKILL') } catch {}
  }, FILE_LIMIT_MS)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (c, s) => resolve([c, s])))
  clearTimeout(limit)
  const ms = Date.now() - started
  const status = overran ? 1 : code ?? (signal ? 1 : 0)
  const cpu = timed ? await readFile(cpuFile, 'utf8').then(t => t.trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0), () => undefined) : undefined
  if (timed) await rm(cpuFile, { force: true })
  const cpuS = Number.isFinite(cpu) ? cpu : undefined
  const output = Buffer.concat(chunks).toString()
  process.stdout.write(`\n▶ ${file} (${(ms / 1000).toFixed(1)} s${cpuS === undefined ? '' : `, CPU ${cpuS.toFixed(1)} s`}${status === 0 ? '' : `, exit ${code ?? signal}`})\n${output}`)
  return { file, ms, cpuS, status, output: status === 0 ? '' : output }
}

/**
 * What a failed file's output says of its failures, repeated after the table: the end of a long run is what a CI
 * log shows first, and a file's own output may lie thousands of lines above it. node's spec reporter ends a file
 * with its failing tests, each with its error; a file killed or crashed before that has its last lines instead.
 */
export function failureDigest (output: string, maxLines = 60): string {
  const at = output.lastIndexOf('✖ failing tests:')
  const lines = (at >= 0 ? output.slice(at) : output).trimEnd().split('\n')
  const kept = at >= 0 ? lines.slice(0, maxLines) : lines.slice(-maxLines)
  const cut = lines.length - kept.length
  return (at < 0 && cut > 0 ? `  (${cut} lines before)\n` : '') + kept.join('\n') + (at >= 0 && cut > 0 ? `\n  (${cut} more lines)` : '')
}

async function pool<T> (items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item)
  }))
}

async function main (): Promise<number> {
  const read = (file: string) => readFile(file, 'utf8').then(JSON.parse, () => undefined)
  const previous: Record<string, number> = await read(TIMES_FILE) ?? await read(SEED_TIMES) ?? {}
  const byTime = (a: string, b: string) => (previous[b] ?? Infinity) - (previous[a] ?? Infinity) || a.localeCompare(b)
  const alone = files.filter(f => aloneReason(readFileSync(f, 'utf8')) !== undefined)
  const together = files.filter(f => !alone.includes(f)).sort(byTime)

  const started = Date.now()
  let broker: FreshBroker | undefined
  const stopBroker = async () => {
    const b = broker
    broker = undefined
    if (b) { await b.stop(); await rm(b.dataDir, { recursive: true, force: true }) }
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { void stopBroker().finally(() => process.exit(130)) })
  const outcomes: Outcome[] = []
  try {
    // Only when a file starts a stack (a run of unit tests needs no JVM); one that does so through another helper
    // without this variable gets a broker of its own, as outside npm test.
    if (files.some(f => readFileSync(f, 'utf8').includes('startStack'))) {
      await warmBrokerClassData()
      broker = await freshBroker()
    }
    const env = {
      // V8's compiled code for our modules and their dependencies, kept on disk (after type stripping) for the files'
      // processes and every Hostly process they start: a third less CPU to start each of the few hundred.
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      ...process.env,
      ...(broker && { HOSTLY_TEST_KAFKA_BROKERS: broker.brokers })
    }
    await pool(together, concurrency, async file => { outcomes.push({ ...await runFile(file, env), alone: false }) })
    for (const file of alone) outcomes.push({ ...await runFile(file, env), alone: true })
  } finally {
    await stopBroker()
  }

  const wall = Date.now() - started
  const width = Math.max(...outcomes.map(o => o.file.length))
  const cpuTotal = outcomes.reduce((sum, o) => sum + (o.cpuS ?? 0), 0)
  console.log(`\nTest files by wall time (${together.length} at most ${concurrency} at once, then ${alone.length} alone), ${(wall / 1000).toFixed(1)} s in all` +
    (timed ? `, ${cpuTotal.toFixed(0)} s of CPU in the files' processes:` : ':'))
  for (const o of [...outcomes].sort((a, b) => b.ms - a.ms)) {
    const cpu = o.cpuS === undefined ? '' : `  CPU ${o.cpuS.toFixed(1).padStart(6)} s`
    console.log(`  ${o.file.padEnd(width)}  ${(o.ms / 1000).toFixed(1).padStart(6)} s${cpu}${o.alone ? '  alone' : ''}${o.status === 0 ? '' : '  FAILED'}`)
  }
  if (named.length === 0) {
    await mkdir('.data', { recursive: true })
    await writeFile(TIMES_FILE, JSON.stringify(Object.fromEntries(outcomes.map(o => [o.file, o.ms])), null, 2) + '\n')
  }
  const failed = outcomes.filter(o => o.status !== 0)
  for (const o of failed) console.log(`\n✖ ${o.file}, why:\n${failureDigest(o.output)}`)
  if (failed.length > 0) console.log(`\nFailed: ${failed.map(o => o.file).join(', ')}`)
  return failed.length > 0 ? 1 : 0
}

if (import.meta.main) process.exit(await main())
