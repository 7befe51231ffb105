// The two systems under test, each as child processes of the bench: Hostly split as Kubernetes runs it
// (`hostly api`, `hostly relay`, `hostly worker owner`, `hostly worker traveler`) and the seed's baseline
// (bench/baseline/server.ts, one process). Each is ready once a first booking has reached its owner's
// notification, which proves the whole path (and, for Hostly, an accepted booking its traveler's).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseAllDocuments } from 'yaml'
import { freePort } from '../../src/kafka/local/broker.ts'
import { startChild, type Child } from './children.ts'
import type { Cleanup } from './cleanup.ts'
import type { Fixtures, Stays } from './fixtures.ts'
import type { Monitor } from './monitor.ts'

const root = resolve(import.meta.dirname, '../..')

export interface Server {
  url: string
  /** Named processes, the first one the one that serves HTTP. */
  processes: Child[]
  stop (): Promise<void>
}

interface Context {
  cleanup: Cleanup
  monitor: Monitor
  workDir: string
  brokers: string
  extraNodeArgs?: string[]
  /** Set on every Hostly process besides the bench's own settings (--traces: the tracing variables). */
  hostlyEnv?: Record<string, string>
}

function launch (ctx: Context, name: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = [], cwd = root): Child {
  const child = startChild(name, process.execPath, [...nodeArgs, ...args], { cwd, env, logFile: join(ctx.workDir, `${name}.log`) })
  ctx.monitor.track(name, child.pid)
  ctx.cleanup.add(`stop ${name}`, () => child.stop())
  return child
}

// 120 s: the bench smoke test's third Hostly was not healthy within 60 s at load 20 (other test files beside it).
async function untilHealthy (url: string, processes: Child[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const dead = processes.find(p => p.child.exitCode !== null)
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode} while starting:\n${await dead.tail()}`)
    const ok = await fetch(`${url}/healthz`).then(r => r.ok, () => false)
    if (ok) return
    await sleep(100)
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms:\n${await processes[0].tail()}`)
}

/** Node's compile cache of the bench's Hostly processes (scripts/compile-cache.ts fills it, as the image build does). */
const COMPILE_CACHE = join(root, '.data', 'compile-cache')

/**
 * Fills the compile cache with the checkout's modules, as deploy/Containerfile does: the processes then start as
 * they do from the image, without stripping types. Once per checkout and bench run (a run starts Hostly several
 * times). The bench's own Node flags are not passed on (the API's heap size, the one flag the processes get, is not
 * part of the cache's key).
 */
const warmed = new Map<string, Promise<void>>()
function warmCompileCache (checkout: string): Promise<void> {
  let done = warmed.get(checkout)
  if (!done) {
    const child = spawn(process.execPath, [join(root, 'scripts', 'compile-cache.ts'), checkout],
      { env: { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'inherit'] })
    done = once(child, 'exit').then(([code]) => { if (code !== 0) throw new Error(`scripts/compile-cache.ts ${checkout} exited with ${code}`) })
    warmed.set(checkout, done)
  }
  return done
}

const hostlyEnv = (ctx: Context, databaseUrl: string) => ({
  NODE_COMPILE_CACHE: COMPILE_CACHE,
  DATABASE_URL: databaseUrl,
  KAFKA_BROKERS: ctx.brokers,
  LOG_LEVEL: 'warn',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  HOST: '127.0.0.1',
  // The bench's travelers are registered from one address and each holds many pending requests at once.
  REGISTER_MAX_PER_CLIENT: '1000000',
  MAX_PENDING_PER_TRAVELER: '1000000',
  METRICS_PORT: '0', // several relays and workers on one machine: each its own free port
  CURSOR_KEY: 'the bench signs list cursors with this key', // hostly api requires one
  UNSUBSCRIBE_KEY: 'the bench signs unsubscribe links with this key', // so do hostly api and hostly worker email
  // The stays the bench books move further ahead as it books (bench/lib/fixtures.ts): past the default two years.
  BOOKING_MAX_ADVANCE: '36500d',
  // The live phase's messages (phases/live-messages.ts) come from a few people at 20/s in all: each of its hosts
  // sends 30 or more a minute, over the default 20. The limit is a guard against one person, not part of the path
  // measured (its check, one count on an index, still runs for every message).
  MESSAGE_RATE_PER_MINUTE: '10000',
  ...ctx.hostlyEnv
})

/**
 * The Node options the API runs with in production (NODE_OPTIONS in deploy/k8s/base/api.yaml), so that the bench
 * measures the API as deployed; read from the checkout that is started ('' where its manifest sets none).
 */
function deployedApiNodeOptions (checkout: string): string {
  const manifest = join(checkout, 'deploy', 'k8s', 'base', 'api.yaml')
  if (!existsSync(manifest)) return ''
  const docs = parseAllDocuments(readFileSync(manifest, 'utf8')).map(d => d.toJS())
  const api = docs.find(d => d?.kind === 'Deployment')?.spec?.template?.spec?.containers?.find((c: { name: string }) => c.name === 'api')
  return api?.env?.find((e: { name: string }) => e.name === 'NODE_OPTIONS')?.value ?? ''
}

/**
 * Hostly's processes from the checkout at opts.root (this one by default: bench/versus.ts starts an older commit's
 * too), their names prefixed with opts.name when given, so that two Hostlys on one machine keep their logs apart.
 */
export async function startHostly (ctx: Context, databaseUrl: string, opts: { ownerWorkers: number, apiNodeArgs?: string[], root?: string, name?: string }): Promise<Server> {
  const port = await freePort()
  const env = hostlyEnv(ctx, databaseUrl)
  await warmCompileCache(opts.root ?? root)
  const start = (name: string, args: string[], extra: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) =>
    launch(ctx, opts.name ? `${opts.name}-${name}` : name, ['src/cli.ts', ...args], { ...env, ...extra }, nodeArgs, opts.root)
  const processes = [
    start('api', ['api'], { PORT: String(port), NODE_OPTIONS: deployedApiNodeOptions(opts.root ?? root) }, opts.apiNodeArgs),
    start('relay', ['relay']),
    ...Array.from({ length: opts.ownerWorkers }, (_, i) => start(opts.ownerWorkers === 1 ? 'owner-worker' : `owner-worker-${i + 1}`, ['worker', 'owner'])),
    start('traveler-worker', ['worker', 'traveler'])
  ]
  const url = `http://127.0.0.1:${port}`
  await untilHealthy(url, processes)
  return { url, processes, stop: () => Promise.all(processes.map(p => p.stop())).then(() => {}) }
}

/** `hostly worker email` (email-service-group) against the same database and broker, sending to smtpUrl. */
export function startEmailWorker (ctx: Context, databaseUrl: string, smtpUrl: string): Child {
  return launch(ctx, 'email-worker', ['src/cli.ts', 'worker', 'email'], { ...hostlyEnv(ctx, databaseUrl), SMTP_URL: smtpUrl })
}

/** `hostly worker messages` (message-service-group: the recipient's unread count and live push of a message). */
export function startMessageWorker (ctx: Context, databaseUrl: string): Child {
  return launch(ctx, 'message-worker', ['src/cli.ts', 'worker', 'messages'], hostlyEnv(ctx, databaseUrl))
}

export async function startBaseline (ctx: Context, databaseUrl: string, topic: string): Promise<Server> {
  const port = await freePort()
  const child = launch(ctx, 'baseline', ['bench/baseline/server.ts'], {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: ctx.brokers,
    PORT: String(port),
    TOPIC: topic,
    GROUP: 'baseline-owner-service-group',
    KAFKAJS_NO_PARTITIONER_WARNING: '1'
  })
  const url = `http://127.0.0.1:${port}`
  await untilHealthy(url, [child])
  return { url, processes: [child], stop: () => child.stop() }
}

/** Polls fn until it returns true; throws after timeoutMs. */
export async function until (what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 50) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn()) return
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

export const bookingRequest = (stay: { cookie: string, body: string }) => ({
  method: 'POST' as const, path: '/api/bookings', headers: { cookie: stay.cookie, 'content-type': 'application/json' }, body: stay.body
})

/** Books one stay through the API and returns the booking's id. */
export async function bookOne (url: string, stays: Stays): Promise<number> {
  const req = bookingRequest(stays.take())
  const res = await fetch(url + req.path, { method: req.method, headers: req.headers, body: req.body })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`canary booking: ${res.status} ${text}`)
  return JSON.parse(text).booking.id
}

/** Accepts a booking as its owner. */
export async function acceptOne (url: string, fixtures: Fixtures, bookingId: number, ownerId: number) {
  const owner = fixtures.owners.find(o => o.id === ownerId)!
  const res = await fetch(`${url}/api/bookings/${bookingId}/accept`, { method: 'POST', headers: { cookie: owner.cookie } })
  if (res.status !== 200) throw new Error(`canary accept: ${res.status} ${await res.text()}`)
}
