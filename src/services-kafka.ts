import type { Logger } from 'pino'
import { EVENT_VERSION, TOPICS } from './bookings/events.ts'
import { ConfigError, type Config } from './config.ts'
import type { Pool } from './db/pool.ts'
import type { WorkerName } from './workers.ts'
import { startAccountMail } from './email/account-mail.ts'
import { createEmailService } from './email/service.ts'
import { ensureTopics, useKafkaSecurity } from './kafka/client/clients.ts'
import { withFailureTopics } from './kafka/client/topics.ts'
import { specTopics, startConsumer, type ConsumerSpec, type RunningConsumer } from './kafka/consumer/runner.ts'
import { analyticsService } from './analytics/consumer.ts'
import { messageService } from './messages/consumer.ts'
import { MESSAGE_TOPICS } from './messages/events.ts'
import { createDigestService, digestSweepMs, startDigestSweeper } from './messages/email.ts'
import { collectOutbox } from './metrics/collectors.ts'
import { collectKafka } from './metrics/kafka.ts'
import type { Metrics } from './metrics/registry.ts'
import { services } from './notifications/consumers.ts'
import { UnsubscribeTokens } from './notifications/unsubscribe.ts'
import { reviewService } from './reviews/consumer.ts'
import { createReviewEmailService } from './reviews/email.ts'
import { REVIEW_TOPICS } from './reviews/events.ts'
import { startRelay } from './outbox/relay.ts'
import { Backoff, Stops, Waker } from './timing.ts'

// The pieces that use Kafka (the relay, the consumer services and the e-mail they send), which services.ts loads only
// in a process that runs one of them: the Kafka client, the mailer and the consumers' code are tens of MiB that the
// API process, which never needs Kafka, does not carry.

/** The consumer services whose spec needs no settings; the e-mail service is built from SMTP_URL and friends. */
export const workerSpecs = { ...services, analytics: analyticsService, messages: messageService, reviews: reviewService } satisfies Record<Exclude<WorkerName, 'email'>, ConsumerSpec>

export interface KafkaPieces {
  /** Settles once every topic exists (ensured in the background, retried while Kafka is down), or the pieces stop. */
  topicsReady: Promise<void>
  stop (): Promise<void>
  /** While stopping: the pieces not stopped yet. */
  unfinished (): string[]
}

/** Starts the relay (pieces.relay) and the workers named, on the process's pool and metrics. */
export function startKafkaPieces (config: Config, pieces: { relay?: boolean, workers: WorkerName[] }, pool: Pool, log: Logger, metrics: Metrics): KafkaPieces {
  const { workers } = pieces
  if (workers.includes('email') && !config.smtpUrl) throw new ConfigError('SMTP_URL is required by the e-mail service (smtp://host:port)')
  // Process-wide: pieces without Kafka leave the settings of those that have it (in tests, in one process) alone.
  useKafkaSecurity(config)
  let stopping = false
  const topicsWaker = new Waker()
  const topicsReady = ensureTopicsEventually(config, log, () => stopping, topicsWaker)
  const relay = pieces.relay
    ? startRelay({ pool, databaseUrl: config.databaseUrl, brokers: config.kafkaBrokers, log, pollMs: config.relayPollMs, batchSize: config.relayBatchSize, eventVersion: EVENT_VERSION, metrics })
    : undefined
  if (relay) {
    metrics.onScrape(() => { metrics.relayLeader.set(relay.leading() ? 1 : 0) })
    collectOutbox(metrics, pool)
  }
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
  // Named by group and lane, for a shutdown that overruns to say which have not stopped.
  const consumers = specs.flatMap(spec => (['main', 'retry'] as const).map((lane): [string, RunningConsumer] => [
    `${spec.group} (${lane})`,
    startConsumer({ spec, lane, brokers: config.kafkaBrokers, pool, log, sessionTimeoutMs: config.kafkaSessionTimeoutMs, policy: config, metrics })
  ]))
  const kafkaMetrics = specs.length > 0
    ? collectKafka(metrics, config.kafkaBrokers, specs.map(spec => ({ group: spec.group, topics: specTopics(spec) })))
    : undefined
  const stops = new Stops()
  return {
    topicsReady,
    async stop () {
      stopping = true
      await stops.all({
        relay: relay && (() => relay.stop()),
        'account e-mail': accountMail && (() => accountMail.stop()),
        'digest sweeper': digestSweeper && (() => digestSweeper.stop()),
        'Kafka metrics': kafkaMetrics && (() => kafkaMetrics.stop()),
        ...Object.fromEntries(consumers.map(([name, c]) => [`consumer ${name}`, () => c.stop()]))
      })
      for (const spec of email) spec.close()
      accountMail?.close()
      topicsWaker.wake()
    },
    unfinished: () => stops.unfinished()
  }
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
