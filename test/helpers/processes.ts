import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, delimiter, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { variableNames } from '../../src/config.ts'
import { kafkaPrefix } from '../../src/kafka/client/clients.ts'
import { DeadlineExceeded, withDeadline } from '../../src/timing.ts'
import { RELAXED_LIMITS } from './limits.ts'
import { dropDatabase } from './stack.ts'
import { waitFor } from './wait.ts'

// Real `hostly` processes, as a developer or Kubernetes starts them, and their clean-up.

export const ROOT = resolve(import.meta.dirname, '..', '..')
const CLI = join(ROOT, 'src', 'cli.ts')
const BIN = join(ROOT, 'bin', 'hostly.js')

/**
 * A Node.js older than 24 on PATH (as `which -a node` lists them), with its version, or undefined: what
 * bin/hostly.js must hand over from. Under npm the pinned Node 24 comes first on PATH; the machine's own may
 * be older, as new, or missing, so the test that needs one skips when there is none.
 */
export function olderNode (): { path: string, version: string } | undefined {
  const seen = new Set<string>()
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    let path: string
    try { path = realpathSync(join(dir, 'node')) } catch { continue } // none here
    if (seen.has(path)) continue
    seen.add(path)
    let version: string
    try { version = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim() } catch { continue }
    if (Number(/^v(\d+)\./.exec(version)?.[1]) < 24) return { path, version }
  }
  return undefined
}

// ---- bookkeeping: everything spawned or created here is removed by cleanUp(), even when a test fails

const spawned: Hostly[] = []
const tempDirs: string[] = []
/** Databases to drop in cleanUp(). */
export const databases: string[] = []

/** Kills every process spawned here (with its process group), then removes temp folders and databases. */
export async function cleanUp () {
  // Each hostly runs in a process group of its own (detached), so this also takes a JVM it started.
  for (const p of spawned) {
    if (p.child.exitCode === null && p.child.signalCode === null) process.kill(-p.child.pid!, 'SIGKILL')
  }
  await Promise.all(spawned.map(p => p.exited))
  // A JVM whose hostly died before stopping it: found by its data folder, which is one of ours.
  for (const dir of tempDirs) javaProcessesUsing(dir).forEach(pid => process.kill(pid, 'SIGKILL'))
  const cleanups = await Promise.allSettled([
    ...tempDirs.map(dir => rm(dir, { recursive: true, force: true })),
    ...databases.map(url => dropDatabase(url))
  ])
  for (const c of cleanups) if (c.status === 'rejected') console.error('cleanup failed:', c.reason)
}

export async function tempDir () {
  const dir = await mkdtemp(join(tmpdir(), 'hostly-cli-'))
  tempDirs.push(dir)
  return dir
}

/** The URL of a database that does not exist yet (dropped in `after`). */
export function newDatabaseUrl () {
  const url = `postgres://postgres@127.0.0.1:5432/hostly_test_${randomBytes(6).toString('hex')}`
  databases.push(url)
  return url
}

// ---- a hostly process

export interface Hostly {
  child: ChildProcess
  /** stdout and stderr, line by line, as they come */
  out: string[]
  err: string[]
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** The cursor key of every process a test starts: hostly api requires one, and replicas share it. */
export const TEST_CURSOR_KEY = 'a cursor key for tests, 32 characters or more'
/** The unsubscribe key of every process a test starts: hostly api and hostly worker email require one, and share it. */
export const TEST_UNSUBSCRIBE_KEY = 'an unsubscribe key for tests, 32 characters or more'

// The environment of the test runner, minus Hostly's own settings (every variable src/config.ts reads).
const HOSTLY_VARS = new Set(variableNames())
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !HOSTLY_VARS.has(name)))

/** viaBin: started as bin/hostly.js by that Node (a path), as the installed command would be; else src/cli.ts on this Node. */
export function hostly (args: string[], env: Record<string, string> = {}, opts: { viaBin?: string } = {}): Hostly {
  const [command, argv] = opts.viaBin ? [opts.viaBin, [BIN, ...args]] : [process.execPath, [CLI, ...args]]
  // On npm test's shared broker a stack's topics carry its KAFKA_PREFIX (test/helpers/stack.ts): a command
  // pointed there works on the topics of the stack started last, unless the test names a prefix itself.
  if (env.KAFKA_BROKERS && env.KAFKA_BROKERS === process.env.HOSTLY_TEST_KAFKA_BROKERS && env.KAFKA_PREFIX === undefined) {
    env = { ...env, KAFKA_PREFIX: kafkaPrefix() }
  }
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...baseEnv, HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'info', LOG_PRETTY: 'false', CURSOR_KEY: TEST_CURSOR_KEY, UNSUBSCRIBE_KEY: TEST_UNSUBSCRIBE_KEY, ...RELAXED_LIMITS, ...env }, // JSON logs, which tests read
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true // a process group of its own, as a terminal gives a command
  })
  const p: Hostly = {
    child,
    out: [],
    err: [],
    exited: once(child, 'close').then(([code, signal]) => ({ code, signal }))
  }
  createInterface({ input: child.stdout! }).on('line', line => p.out.push(line))
  createInterface({ input: child.stderr! }).on('line', line => p.err.push(line))
  spawned.push(p)
  return p
}

/** Runs a command to its end. */
export async function run (args: string[], env: Record<string, string> = {}) {
  const p = hostly(args, env)
  const { code } = await p.exited
  return { code, lines: p.out, stdout: p.out.join('\n'), stderr: output(p) }
}

/** The pino log lines (JSON) among stdout lines. */
export function logs (lines: string[]): Array<Record<string, any>> {
  return lines.filter(line => line.startsWith('{')).map(line => JSON.parse(line))
}

/** All it printed, for assertion messages. */
export function output (p: Hostly): string {
  return [...p.out, ...p.err].join('\n')
}

/**
 * For a failure's message when a wait on processes times out: each one's last log entries at warn or above, its
 * last few entries of any level, and its stderr's end, one short line each. Enough to tell a stuck consumer from a
 * slow one, or a database that refused connections, from CI's output alone.
 */
export function lastWords (processes: Record<string, Hostly>, lines = 12): string {
  const short = (line: string) => {
    let entry: unknown
    try { entry = JSON.parse(line) } catch {}
    const { time, level, msg, err, consumer, group } = (entry ?? {}) as Record<string, unknown>
    if (typeof entry !== 'object' || !Number.isFinite(time)) return line.slice(0, 300) // not a log entry: as printed
    const error = typeof err === 'string' ? err : (err as { message?: string } | undefined)?.message
    const at = new Date(time as number).toISOString().slice(11, 23)
    return [at, level, consumer ?? group, msg, error && `— ${String(error).slice(0, 200)}`].filter(Boolean).join(' ')
  }
  return Object.entries(processes).map(([name, p]) => {
    const warnings = p.out.filter(line => /^\{"level":[4-6]\d\b/.test(line)).slice(-lines)
    const latest = p.out.slice(-4).filter(line => !warnings.includes(line))
    const exit = p.child.exitCode ?? p.child.signalCode
    return [`── ${name} (pid ${p.child.pid}${exit === null ? ', running' : `, exited ${exit}`}): its last ${warnings.length} warnings or errors, then its latest lines`,
      ...warnings, ...latest, ...p.err.slice(-lines)].map(line => `  ${short(line)}`).join('\n')
  }).join('\n')
}

/** Runs the wait; when it fails, its error carries the processes' last words (lastWords). */
export async function explained<T> (wait: Promise<T>, processes: Record<string, Hostly>): Promise<T> {
  try {
    return await wait
  } catch (err) {
    if (err instanceof Error) err.message += `\n${lastWords(processes)}`
    throw err
  }
}

/** Waits until a stdout line matches; fails at once, with stderr, when the process exits first. */
// 120 s: `hostly start` with a broker of its own took over 60 s to say it listens at load 20.
export async function lineMatching (p: Hostly, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
  return waitFor(`a line matching ${pattern}`, () => {
    for (const line of p.out) {
      const match = line.match(pattern)
      if (match) return match
    }
    if (p.child.exitCode !== null) {
      throw new Error(`hostly exited with ${p.child.exitCode} before printing ${pattern}:\n${output(p)}`)
    }
    return undefined
  }, timeoutMs)
}

/** Until both services of `hostly start` are in their groups (each with a member on its topic and one on its retry lane). */
export async function consumersJoined (p: Hostly, count = 4) {
  await waitFor(`${count} consumers in their groups`, () => logs(p.out).filter(l => l.msg === 'Kafka consumer: joined group').length >= count)
}

/**
 * Sends the signal and waits for the exit. group: to the whole process group, as Ctrl+C does in a terminal.
 * twice: again 50 ms later, while it shuts down, as an impatient operator does.
 */
export async function stop (p: Hostly, signal: NodeJS.Signals, opts: { group?: boolean, twice?: boolean, timeoutMs?: number } = {}) {
  const started = Date.now()
  const send = () => process.kill(opts.group ? -p.child.pid! : p.child.pid!, signal)
  send()
  if (opts.twice) setTimeout(send, 50)
  const timeoutMs = opts.timeoutMs ?? 15_000
  const exit = await withDeadline(p.exited, timeoutMs, `an exit after ${signal}`).catch((err: unknown) => {
    if (err instanceof DeadlineExceeded) throw new Error(`${err.message}; its last lines:\n${output(p).split('\n').slice(-30).join('\n')}`)
    throw err
  })
  return { ...exit, ms: Date.now() - started }
}

/** Java processes whose command line names the folder (the local broker's JVM). */
export function javaProcessesUsing (dir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try { argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0') } catch { continue } // gone meanwhile
    if (basename(argv[0]) === 'java' && argv.some(arg => arg.includes(dir))) pids.push(Number(entry))
  }
  return pids
}
