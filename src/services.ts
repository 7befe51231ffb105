import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import type { WorkerName } from './workers.ts'
import { createPool } from './db/pool.ts'
import { SESSION_COOKIE } from './auth/sessions.ts'
import { buildApp } from './http/app.ts'
import { thisMachineOnly } from './http/this-machine.ts'
import { configureHashing } from './auth/password.ts'
import { CLOSE_BATCH, closeReviewWindows } from './reviews/window.ts'
import { devMailRoutes } from './email/dev-page.ts'
import { featureRoutes } from './routes.ts'
import { startExpirySweeper } from './bookings/expiry.ts'
import { startRetentionSweeper } from './db/retention.ts'
import { createMetrics, type Metrics } from './metrics/registry.ts'
import { collectPool } from './metrics/collectors.ts'
import { startOperationsServer, type OperationsServer } from './metrics/server.ts'
import { startTracing } from './tracing/setup.ts'
import { settlesWithin, Stops } from './timing.ts'

export interface Pieces {
  api?: boolean
  relay?: boolean
  /** The sweeper that cancels pending requests left unanswered for BOOKING_PENDING_TTL. */
  sweeper?: boolean
  workers?: WorkerName[]
  /** Serve /healthz, /readyz and /metrics on METRICS_PORT: every command that runs (the API serves only the first two on PORT). */
  operationsPort?: boolean
  /** The folder of the local catch-all SMTP server, whose messages the API then shows at /dev/mail. */
  devMailDir?: string
}

export interface Running {
  /** Where the API listens, when it runs. */
  url?: string
  app?: FastifyInstance
  /** Where /healthz, /readyz and /metrics listen on METRICS_PORT, when asked for. */
  operationsUrl?: string
  /** This process's metrics registry. */
  metrics: Metrics
  /** With Kafka pieces: settles once their topics exist, or they stop (tests wait on it; nothing in Hostly does). */
  topicsReady?: Promise<void>
  stop (): Promise<void>
  /** While stopping: the pieces not stopped yet (hostly start's shutdown deadline names them). */
  unfinished (): string[]
}

/**
 * Starts the pieces asked for in this process, sharing one pool. Kafka being down delays nothing:
 * the API never needs it, and the relay and consumers keep retrying until it answers.
 */
export async function startPieces (config: Config, pieces: Pieces, log: Logger): Promise<Running> {
  // The API checks the unsubscribe links the e-mail service signs: without UNSUBSCRIBE_KEY (hostly start, tests), one
  // key for this process, shared by both (hostly api and hostly worker email refuse to start without one).
  config = { ...config, unsubscribeKey: config.unsubscribeKey || randomBytes(32).toString('base64') }
  // First: the API's hooks and every piece's spans exist only when tracing is on as they start.
  const tracing = await startTracing(config, serviceName(pieces))
  const pool = createPool(config.databaseUrl, pieces.api ? 20 : 5)
  configureHashing({ concurrency: config.hashConcurrency, queue: config.hashQueue })
  const workers = pieces.workers ?? []
  const usesKafka = pieces.relay || workers.length > 0
  const metrics = createMetrics()
  collectPool(metrics, pool)

  // Loaded only where a piece uses Kafka (services-kafka.ts): the API process never carries the client.
  const kafka = usesKafka
    ? (await import('./services-kafka.ts')).startKafkaPieces(config, { relay: pieces.relay, workers }, pool, log, metrics)
    : undefined
  const sweeper = pieces.sweeper
    ? startExpirySweeper({
      pool,
      ttlMs: config.bookingPendingTtlMs,
      intervalMs: config.expirySweepMs,
      log,
      // The same loop closes the review windows that have run out: those reviews are published alone.
      sweeps: [{ what: 'published reviews whose window closed', batch: CLOSE_BATCH, run: closeReviewWindows }]
    })
    : undefined
  // Beside the expiry sweeper, in the same processes: old outbox rows, processed events, sessions, login failures.
  const retention = pieces.sweeper
    ? startRetentionSweeper({ pool, policy: config, intervalMs: config.retentionSweepMs, log })
    : undefined

  let app: FastifyInstance | undefined
  let url: string | undefined
  if (pieces.api) {
    app = await buildApp({
      // The API itself needs only the database: a Kafka outage must not take API replicas out of rotation.
      pool,
      logger: log,
      kafkaBrokers: usesKafka ? config.kafkaBrokers : [],
      metrics,
      sessionCookie: SESSION_COOKIE,
      cookieSecure: config.cookieSecure,
      security: config,
      webDist: config.webDist,
      routes: async app => {
        await featureRoutes(pool, config, metrics)(app)
        // Everyone's caught e-mail: for the machine that runs hostly start, whatever HOST says.
        const devMailDir = pieces.devMailDir
        if (devMailDir) {
          await app.register(async dev => {
            dev.addHook('onRequest', thisMachineOnly)
            await dev.register(devMailRoutes, { dir: devMailDir })
          })
        }
      }
    })
    url = await app.listen({ port: config.port, host: config.host })
  }
  const operations: OperationsServer | undefined = pieces.operationsPort
    ? await startOperationsServer({ port: config.metricsPort, host: config.host, pool, kafkaBrokers: usesKafka ? config.kafkaBrokers : [], metrics, log })
    : undefined

  const stops = new Stops()
  return {
    url,
    app,
    operationsUrl: operations?.url,
    metrics,
    topicsReady: kafka?.topicsReady,
    async stop () {
      // All at once: the requests in flight need none of the rest (what they write to the outbox is published by
      // whichever relay runs next), so the shutdown takes the longest of them, not their sum (10 s at most in all,
      // hostly start's deadline).
      await stops.all({
        'HTTP servers': (app || operations) && (async () => { if (app) await closeApp(app, log); await operations?.close() }),
        kafka: kafka && (() => kafka.stop()),
        'expiry sweeper': sweeper && (() => sweeper.stop()),
        retention: retention && (() => retention.stop())
      })
      await stops.all({ 'database pool': () => pool.end() })
      await stops.all({ tracing: () => tracing.stop() })
    },
    // "kafka" is named by its pieces while any is stopping; by itself once they are done and its stop still runs.
    unfinished: () => stops.unfinished().flatMap(name => name === 'kafka' && kafka?.unfinished().length ? kafka.unfinished() : [name])
  }
}

/**
 * How long requests in flight get to finish once the API stops taking new ones; then the connections still open are
 * closed. Fastify's close() waits for every connection without a limit: one whose client stops sending a body held
 * it past hostly start's 10 s deadline (test/shutdown.test.ts). Answered requests close their connections (app.ts).
 */
const DRAIN_MS = 5000

async function closeApp (app: FastifyInstance, log: Logger): Promise<void> {
  const closing = app.close()
  if (await settlesWithin(closing, DRAIN_MS)) return await closing
  log.warn({ drainMs: DRAIN_MS }, 'HTTP: connections still open after the drain; closing them')
  app.server.closeAllConnections()
  await closing
}

/** The name of this process's spans, unless OTEL_SERVICE_NAME gives one: what it runs. */
function serviceName (pieces: Pieces): string {
  const workers = pieces.workers ?? []
  const kinds = [pieces.api, pieces.relay, workers.length > 0].filter(Boolean).length
  if (kinds !== 1) return 'hostly'
  if (pieces.api) return 'hostly-api'
  if (pieces.relay) return 'hostly-relay'
  return `hostly-worker-${workers.join('-')}`
}
