import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { EVENT_VERSION, TOPICS } from './bookings/events.ts'
import { ConfigError, type Config } from './config.ts'
import { createPool } from './db/pool.ts'
import { SESSION_COOKIE } from './auth/sessions.ts'
import { buildApp } from './http/app.ts'
import { thisMachineOnly } from './http/this-machine.ts'
import { ensureTopics, useKafkaSecurity } from './kafka/client/clients.ts'
import { configureHashing } from './auth/password.ts'
import { specTopics, startConsumer, type RunningConsumer } from './kafka/consumer/runner.ts'
import { services } from './notifications/consumers.ts'
import { analyticsService } from './analytics/consumer.ts'
import { createEmailService } from './email/service.ts'
import { MESSAGE_TOPICS } from './messages/events.ts'
import { messageService } from './messages/consumer.ts'
import { createDigestService, digestSweepMs, startDigestSweeper } from './messages/email.ts'
import { REVIEW_TOPICS } from './reviews/events.ts'
import { reviewService } from './reviews/consumer.ts'
import { createReviewEmailService } from './reviews/email.ts'
import { CLOSE_BATCH, closeReviewWindows } from './reviews/window.ts'
import { startAccountMail } from './email/account-mail.ts'
import { UnsubscribeTokens } from './notifications/unsubscribe.ts'
import { devMailRoutes } from './email/dev-page.ts'
import type { ConsumerSpec } from './kafka/consumer/runner.ts'
import { startRelay, type Relay } from './outbox/relay.ts'
import { featureRoutes } from './routes.ts'
import { startExpirySweeper } from './bookings/expiry.ts'
import { startRetentionSweeper } from './db/retention.ts'
import { withFailureTopics } from './kafka/client/topics.ts'
import { Backoff, Waker } from './timing.ts'
import { createMetrics, type Metrics } from './metrics/registry.ts'
import { collectOutbox, collectPool } from './metrics/collectors.ts'
import { collectKafka } from './metrics/kafka.ts'
import { startOperationsServer, type OperationsServer } from './metrics/server.ts'
import { startTracing } from './tracing/setup.ts'

/** The consumer services whose spec needs no settings; the e-mail service is built from SMTP_URL and friends. */
export const workerSpecs = { ...services, analytics: analyticsService, messages: messageService, reviews: reviewService }
/** Every consumer service a process can run (hostly worker <name>). */
export const WORKER_NAMES = [...Object.keys(workerSpecs) as Array<keyof typeof workerSpecs>, 'email'] as const
export type WorkerName = (typeof WORKER_NAMES)[number]

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
  stop (): Promise<void>
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
  const tracing = startTracing(config, serviceName(pieces))
  const pool = createPool(config.databaseUrl, pieces.api ? 20 : 5)
  configureHashing({ concurrency: config.hashConcurrency, queue: config.hashQueue })
  const workers = pieces.workers ?? []
  const usesKafka = pieces.relay || workers.length > 0
  // Process-wide: pieces without Kafka leave the settings of those that have it (in tests, in one process) alone.
  if (usesKafka) useKafkaSecurity(config)
  let stopping = false
  const metrics = createMetrics()
  collectPool(metrics, pool)

  const topicsWaker = new Waker()
  if (usesKafka) void ensureTopicsEventually(config, log, () => stopping, topicsWaker)
  const relay: Relay | undefined = pieces.relay
    ? startRelay({ pool, databaseUrl: config.databaseUrl, brokers: config.kafkaBrokers, log, pollMs: config.relayPollMs, batchSize: config.relayBatchSize, eventVersion: EVENT_VERSION, metrics })
    : undefined
  if (relay) {
    metrics.onScrape(() => { metrics.relayLeader.set(relay.leading() ? 1 : 0) })
    collectOutbox(metrics, pool)
  }
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
  if (workers.includes('email') && !config.smtpUrl) throw new ConfigError('SMTP_URL is required by the e-mail service (smtp://host:port)')
  const mail = { pool, smtpUrl: config.smtpUrl!, mailFrom: config.mailFrom, appUrl: config.appUrl, log, metrics, unsubscribe: new UnsubscribeTokens(config.unsubscribeKey, config.unsubscribeLinkTtlMs) }
  // The e-mail worker sends every e-mail: one per booking notification, the conversations' digests, one per published review.
  const digests = workers.includes('email') ? createDigestService({ ...mail, quietMs: config.messageEmailQuietMs }) : undefined
  const email = digests ? [createEmailService(mail), digests, createReviewEmailService(mail)] : []
  // Held messages are e-mailed once their quiet period has passed, even when no later message arrives to send them.
  const digestSweeper = digests ? startDigestSweeper(digests, digestSweepMs(config.messageEmailQuietMs), log) : undefined
  const specsOf = (name: WorkerName): ConsumerSpec[] => name === 'email' ? email : [workerSpecs[name]]
  const specs = workers.flatMap(specsOf)
  // Beside them, the account e-mails (password reset, e-mail change), read from their table rather than from Kafka.
  const accountMail = workers.includes('email')
    ? startAccountMail({ pool, smtpUrl: config.smtpUrl!, mailFrom: config.mailFrom, appUrl: config.appUrl, key: config.unsubscribeKey, log })
    : undefined
  // Each service runs two members: one on its topic, one on the topic's retry lane.
  const consumers: RunningConsumer[] = specs.flatMap(spec => (['main', 'retry'] as const).map(lane => startConsumer({
    spec, lane, brokers: config.kafkaBrokers, pool, log, sessionTimeoutMs: config.kafkaSessionTimeoutMs, policy: config, metrics
  })))
  const kafkaMetrics = specs.length > 0
    ? collectKafka(metrics, config.kafkaBrokers, specs.map(spec => ({ group: spec.group, topics: specTopics(spec) })))
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

  return {
    url,
    app,
    operationsUrl: operations?.url,
    metrics,
    async stop () {
      stopping = true
      // All at once: the requests in flight need none of the rest (what they write to the outbox is published by
      // whichever relay runs next), so the shutdown takes the longest of them, not their sum (10 s at most in all,
      // hostly start's deadline).
      await Promise.all([
        (async () => { await app?.close(); await operations?.close() })(), // stops taking requests, finishes those in flight
        relay?.stop(), sweeper?.stop(), accountMail?.stop(), retention?.stop(), digestSweeper?.stop(), kafkaMetrics?.stop(),
        ...consumers.map(c => c.stop())
      ])
      for (const spec of email) spec.close()
      accountMail?.close()
      topicsWaker.wake()
      await pool.end()
      await tracing.stop()
    }
  }
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

type TopicSettings = Pick<Config, 'kafkaBrokers' | 'kafkaTopicRetentionMs' | 'kafkaTopicReplicationFactor' | 'kafkaTopicMinInsyncReplicas'>

async function ensureTopicsEventually (config: TopicSettings, log: Logger, stopping: () => boolean, waker: Waker) {
  const backoff = new Backoff(500, 10_000)
  while (!stopping()) {
    try {
      const topics = withFailureTopics([...Object.values(TOPICS), ...Object.values(MESSAGE_TOPICS), ...Object.values(REVIEW_TOPICS)])
      await ensureTopics(config.kafkaBrokers, topics, config.kafkaTopicRetentionMs,
        { factor: config.kafkaTopicReplicationFactor, minInsync: config.kafkaTopicMinInsyncReplicas })
      log.info({ topics }, 'Kafka topics ready')
      return
    } catch (err) {
      const delay = backoff.next()
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'Kafka unreachable, topics not checked yet')
      await waker.sleep(delay)
    }
  }
}
