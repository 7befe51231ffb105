import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { Logger } from 'pino'
import { loadConfig, type Config } from '../../src/config.ts'
import { createPool, type Pool } from '../../src/db/pool.ts'
import { createLogger } from '../../src/log.ts'
import { startPieces, type Pieces, type Running } from '../../src/services.ts'
import { withDeadline } from '../../src/timing.ts'
import { freshBroker, type FreshBroker } from '../../support/broker.ts'
import { dropDatabase, freshDatabase } from '../../support/databases.ts'
import { signUp, type Client } from './http.ts'
import { recordTopics } from './kafka.ts'
import { RELAXED_LIMITS } from './limits.ts'

// The throw-away databases and brokers live in support/, which the bench uses too.
export { freshBroker } from '../../support/broker.ts'
export { dropDatabase, freshDatabase } from '../../support/databases.ts'

export interface Stack {
  url: string
  databaseUrl: string
  brokers: string[]
  /** The stack's own broker (ownBroker, or no shared one); on the run's shared broker, stop and restart refuse. */
  broker?: Awaited<ReturnType<typeof freshBroker>>
  /** A pool of the test's own, for looking at rows. */
  db: Pool
  config: Config
  running: Running
  /** Every record of the topics asked for with `record`, read from the beginning as they come. */
  recorder: Awaited<ReturnType<typeof recordTopics>>
  /** Stops the Hostly pieces only (to restart them with start()). */
  stopPieces (): Promise<void>
  /** Starts the pieces again: the same ones, or those given. */
  startPieces (only?: Pieces): Promise<void>
  stop (): Promise<void>
}

/** The broker npm test starts for the whole run (scripts/test.ts), if any. */
export const sharedBrokers = () => process.env.HOSTLY_TEST_KAFKA_BROKERS || undefined

/** Stands in for `stack.broker` on the shared broker: stopping it would take every other file's stack down. */
function sharedBroker (brokers: string): FreshBroker {
  const refuse = () => { throw new Error('this stack is on the run\'s shared broker: startStack({ ownBroker: true }) to stop or restart a broker') }
  return { brokers, pid: 0, exited: new Promise(() => {}), dataDir: '', port: Number(brokers.split(':')[1]), stop: async () => refuse(), restart: async () => refuse() }
}

type Role = 'owner' | 'traveler'
/** The people most files start with: two owners and a traveler. */
export const CAST = { owner: ['owner', 'Olga Owner'], otherOwner: ['owner', 'Otto Owner'], traveler: ['traveler', 'Tara Traveler'] } as const

/**
 * The opening of a file whose tests share one stack: the stack (startStack's options), then the people of `cast` signed
 * up on it, one after another in its order (each name: a role and a display name), each a Client. In before():
 * `({ stack, owner, traveler } = await stackWithPeople({ kafka: false }))`.
 */
export async function stackWithPeople<K extends string = keyof typeof CAST> (opts: Parameters<typeof startStack>[0] = {},
  cast: Readonly<Record<K, readonly [Role, string]>> = CAST as never): Promise<{ stack: Stack } & Record<K, Client>> {
  const stack = await startStack(opts)
  const people = {} as Record<K, Client>
  for (const [key, [role, name]] of Object.entries(cast) as Array<[K, readonly [Role, string]]>) people[key] = await signUp(stack.url, role, name)
  return { stack, ...people }
}

/**
 * Hostly as `hostly start` runs it (API, relay, both consumers, in this process) on a fresh database and, with
 * kafka, the run's shared broker under a KAFKA_PREFIX of its own (a fresh broker outside npm test, or with
 * ownBroker: a test that stops or restarts it). Options pick fewer pieces; `log` takes what the pieces log (silent by default).
 */
export async function startStack (opts: { kafka?: boolean, ownBroker?: boolean, pieces?: Pieces, env?: Record<string, string>, record?: string[], log?: Logger } = {}): Promise<Stack> {
  const kafka = opts.kafka ?? true
  const pieces = opts.pieces ?? (kafka ? { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler'] } : { api: true })
  const databaseUrl = await freshDatabase()
  const shared = kafka && !opts.ownBroker ? sharedBrokers() : undefined
  const broker = shared ? sharedBroker(shared) : kafka ? await freshBroker() : undefined
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: broker?.brokers ?? '',
    // Topics and groups of their own on a shared broker: a fresh database numbers bookings from 1 again.
    KAFKA_PREFIX: shared ? `test-${randomBytes(4).toString('hex')}.` : '',
    PORT: '0',
    HOST: '127.0.0.1',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    RELAY_POLL_MS: '200',
    METRICS_PORT: '0', // a free port, for the pieces that serve it
    ...RELAXED_LIMITS,
    ...opts.env
  })
  const log = opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')
  const db = createPool(databaseUrl, 4)
  const stack: Stack = {
    url: '',
    databaseUrl,
    brokers: config.kafkaBrokers,
    broker,
    db,
    config,
    running: undefined as unknown as Running,
    recorder: undefined as unknown as Stack['recorder'],
    async startPieces (only?: Pieces) {
      stack.running = await startPieces(config, only ?? pieces, log)
      if (stack.running.url) stack.url = stack.running.url
    },
    async stopPieces () { await stack.running.stop() },
    async stop () {
      await stack.recorder?.close()
      await stack.running.stop()
      if (broker && !shared) {
        await broker.stop()
        await rm(broker.dataDir, { recursive: true, force: true })
      }
      await db.end()
      await dropDatabase(databaseUrl)
    }
  }
  await stack.startPieces()
  // Hostly creates its topics in the background; a client a test starts next (a recorder, a producer of forged
  // events) would otherwise meet "Unknown topic", which its library does not retry.
  if (stack.running.topicsReady) await withDeadline(stack.running.topicsReady, 60_000, 'the stack\'s Kafka topics')
  if (opts.record) stack.recorder = await recordTopics(stack.brokers, opts.record)
  return stack
}
