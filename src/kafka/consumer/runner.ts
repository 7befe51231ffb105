import type { Logger } from 'pino'
import type { Pool } from '../../db/pool.ts'
import { batchHandler } from './batch.ts'
import { Lifecycle } from './lifecycle.ts'
import type { FailurePolicy } from './retry-policy.ts'
import { consumeStream } from './stream.ts'
import { FailureRouter } from './failures.ts'
import { specTopics, type ConsumerMetrics, type ConsumerSpec } from './spec.ts'
import { retryTopic } from '../client/topics.ts'

export type { FailurePolicy } from './retry-policy.ts'
export { specTopics, type ConsumerSpec } from './spec.ts'

export interface ConsumerOptions {
  spec: ConsumerSpec
  brokers: string[]
  pool: Pool
  log: Logger
  sessionTimeoutMs: number
  policy: FailurePolicy
  /** 'retry' runs the member of the group's retry consumer (group "<group>.retry", topic "<topic>.retry"). */
  lane?: 'main' | 'retry'
  /** Records processed in one transaction at most. */
  batchSize?: number
  /** hostly_events_total and hostly_event_end_to_end_seconds. */
  metrics?: ConsumerMetrics
}

export interface RunningConsumer { stop (): Promise<void> }

const DEFAULT_BATCH_SIZE = 200

/**
 * Runs one member of a consumer group. Each event is processed exactly once in effect: its id is recorded
 * in processed_events in the same transaction as the effect (consumer/idempotency.ts), and the offset is
 * committed only after that transaction, or after the event was handed to the retry or dead-letter topic
 * (consumer/stream.ts). A crash in between redelivers the event, which then finds its id and does nothing.
 */
// Not generic: the runner never looks into a payload, and a spec of any topic fits ConsumerSpec<unknown>
// (its handle is a method, so its parameter is checked bivariantly).
export function startConsumer (opts: ConsumerOptions): RunningConsumer {
  const { spec } = opts
  const retryLane = opts.lane === 'retry'
  const group = retryLane ? `${spec.group}.retry` : spec.group
  const topics = specTopics(spec).map(t => retryLane ? retryTopic(t) : t)
  const log = opts.log.child({ consumer: spec.name, group, topic: topics.join(',') })
  const life = new Lifecycle()
  const router = new FailureRouter(opts.brokers, spec.group)
  const stream = consumeStream({
    brokers: opts.brokers,
    group,
    topics,
    clientId: `hostly-${spec.name}${retryLane ? '-retry' : ''}`,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
    log,
    life,
    onBatch: batchHandler({ spec, retryLane, policy: opts.policy, router, life, pool: opts.pool, log, metrics: opts.metrics })
  })
  return {
    async stop () {
      await stream.stop()
      await router.close()
      log.info('Kafka consumer: stopped')
    }
  }
}
