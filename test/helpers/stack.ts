import { rm } from 'node:fs/promises'
import type { Logger } from 'pino'
import { loadConfig, type Config } from '../../src/config.ts'
import { createPool, type Pool } from '../../src/db/pool.ts'
import { createLogger } from '../../src/log.ts'
import { startPieces, type Pieces, type Running } from '../../src/services.ts'
import { freshBroker } from '../../support/broker.ts'
import { dropDatabase, freshDatabase } from '../../support/databases.ts'
import { recordTopics } from './kafka.ts'
import { RELAXED_LIMITS } from './limits.ts'

// The throw-away databases and brokers live in support/, which the bench uses too.
export { freshBroker } from '../../support/broker.ts'
export { dropDatabase, freshDatabase } from '../../support/databases.ts'

export interface Stack {
  url: string
  databaseUrl: string
  brokers: string[]
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

/**
 * Hostly as `hostly start` runs it (API, relay, both consumers, in this process) on a fresh database and,
 * with kafka, a fresh broker. Options pick fewer pieces; `log` takes what the pieces log (silent by default).
 */
export async function startStack (opts: { kafka?: boolean, pieces?: Pieces, env?: Record<string, string>, record?: string[], log?: Logger } = {}): Promise<Stack> {
  const kafka = opts.kafka ?? true
  const pieces = opts.pieces ?? (kafka ? { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler'] } : { api: true })
  const databaseUrl = await freshDatabase()
  const broker = kafka ? await freshBroker() : undefined
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: broker?.brokers ?? '',
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
      await broker?.stop()
      if (broker) await rm(broker.dataDir, { recursive: true, force: true })
      await db.end()
      await dropDatabase(databaseUrl)
    }
  }
  await stack.startPieces()
  if (opts.record) stack.recorder = await recordTopics(stack.brokers, opts.record)
  return stack
}
