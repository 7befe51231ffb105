import type { Logger } from 'pino'
import type { Pool } from '../../db/pool.ts'
import type { DecodedEvent } from './decode.ts'
import { FAILURE_HEADERS, type FailureRouter, type KafkaMessage } from './failures.ts'
import { sourceTopic } from '../client/topics.ts'
import { applyOnce } from './idempotency.ts'
import type { Lifecycle } from './lifecycle.ts'
import { attemptInPlace, nextStep, whileRetryable, type FailurePolicy } from './retry-policy.ts'
import type { ConsumerMetrics, ConsumerSpec, EventOutcome } from './spec.ts'
import { endProcessSpans, eventContext, processSpans } from './tracing.ts'
import { withContext } from '../../tracing/spans.ts'

export interface BatchContext<P> {
  spec: ConsumerSpec<P>
  /** The retry lane takes each record on its own, when its retry-at time has come. */
  retryLane: boolean
  policy: FailurePolicy
  router: FailureRouter
  life: Lifecycle
  pool: Pool
  log: Logger
  metrics?: ConsumerMetrics
}

/**
 * What a member does with the records that came together. Main lane: one transaction for all; if it fails for a
 * reason other than the database being away, each record is taken on its own, so that only the guilty one is
 * retried and, in the end, dead-lettered. Unreadable records (poison) go to the dead-letter topic at once.
 */
export function batchHandler<P> (ctx: BatchContext<P>): (messages: KafkaMessage[]) => Promise<void> {
  const { spec, policy, router, life, log, metrics } = ctx
  const count = (topic: string, outcome: EventOutcome, n = 1) => metrics?.events.inc({ group: spec.group, topic, outcome }, n)
  const decode = (message: KafkaMessage) => spec.decode(message, sourceTopic(message.topic))

  /**
   * Applies the events (messages[i] carried events[i]) once; once committed, counts each as processed or duplicate,
   * and times the new ones end to end. Traced: a span per event (consumer/tracing.ts); one event alone is handled
   * inside its span, so what the handler logs carries its trace id.
   */
  async function apply (events: Array<DecodedEvent<P>>, messages: KafkaMessage[]): Promise<number> {
    let todo: Array<DecodedEvent<P>> = []
    const spans = processSpans(spec.group, events, messages)
    let fresh: number
    try {
      fresh = await withContext(events.length === 1 ? eventContext(events[0]) : undefined,
        () => applyOnce(ctx.pool, spec.group, events, (tx, list, looked) => { todo = list; return spec.handle(tx, list, looked, life.signal) }, spec.lookUp))
    } catch (err) {
      endProcessSpans(spans, { err })
      throw err
    }
    const done = new Set(todo)
    if (spans) endProcessSpans(spans, { duplicate: events.map(e => !done.has(e)) })
    if (log.isLevelEnabled('debug')) {
      // Each in its event's trace: a trace id found in Zipkin finds these lines, and the other way round.
      events.forEach((event, i) => withContext(eventContext(event), () => log.debug({
        partition: messages[i].partition, offset: String(messages[i].offset), eventId: event.id, duplicate: !done.has(event)
      }, 'Kafka consumer: event processed')))
    }
    if (metrics) {
      const now = Date.now()
      for (const event of events) {
        count(event.topic, done.has(event) ? 'processed' : 'duplicate')
        const made = done.has(event) ? Date.parse(String((event.payload as { timestamp?: unknown }).timestamp)) : NaN
        if (Number.isFinite(made)) metrics.endToEnd.observe({ group: spec.group }, Math.max(0, now - made) / 1000)
      }
    }
    return fresh
  }

  async function poison (message: KafkaMessage, reason: string, attempts: number) {
    await router.toDeadLetter(message, { errorClass: 'PoisonRecord', message: reason, attempts })
    count(sourceTopic(message.topic), 'dead_lettered')
    log.error({ partition: message.partition, offset: String(message.offset), reason }, 'Kafka consumer: poison record sent to the dead-letter topic')
  }

  /**
   * One record on its own: the retry lane, and the records of a batch that failed together. failedOnce: the
   * error of the batch when the record was alone in it, its first attempt.
   */
  async function handleOne (message: KafkaMessage, failedOnce?: { err: unknown }): Promise<void> {
    const where = { partition: message.partition, offset: String(message.offset) }
    if (ctx.retryLane && message.headers.get(FAILURE_HEADERS.group) !== spec.group) return // another group's round
    const round = Number(message.headers.get(FAILURE_HEADERS.retryRound) ?? 0)
    const before = Number(message.headers.get(FAILURE_HEADERS.attempts) ?? 0)
    if (ctx.retryLane) await life.until(Date.parse(message.headers.get(FAILURE_HEADERS.retryAt) ?? ''))

    const decoded = decode(message)
    if (!decoded.ok) return poison(message, decoded.reason, before)
    const event = decoded.event
    const failure = await attemptInPlace(async () => { await apply([event], [message]) }, policy, life, (err, attempts, retryInMs) => {
      log.warn({ ...where, eventId: event.id, attempts, err: err.message, retryInMs }, 'Kafka consumer: event failed, retrying')
    }, failedOnce)
    if (!failure) return
    const total = { ...failure, attempts: before + failure.attempts }
    const next = nextStep(failure, round, policy)
    if (next.to === 'retry') {
      await router.toRetry(message, total, next.round, policy.retryDelayMs)
      count(event.topic, 'retried')
      log.warn({ ...where, eventId: event.id, round: next.round, err: failure.message }, 'Kafka consumer: event moved to the retry topic')
    } else {
      await router.toDeadLetter(message, total)
      count(event.topic, 'dead_lettered')
      log.error({ ...where, eventId: event.id, attempts: total.attempts, permanent: failure.permanent, err: failure.message },
        'Kafka consumer: event sent to the dead-letter topic')
    }
  }

  return async function handleBatch (messages) {
    if (ctx.retryLane) {
      for (const message of messages) await handleOne(message)
      return
    }
    const readable: KafkaMessage[] = []
    const events: Array<DecodedEvent<P>> = []
    for (const message of messages) {
      const decoded = decode(message)
      if (!decoded.ok) {
        await poison(message, decoded.reason, 0)
        continue
      }
      readable.push(message)
      events.push(decoded.event)
    }
    if (events.length === 0) return
    const result = await whileRetryable(() => apply(events, readable), life, (err, retryInMs) => {
      log.warn({ err: err.message, retryInMs }, 'Kafka consumer: database unavailable, retrying the batch')
    })
    if (result.ok) {
      log.debug({ events: events.length, fresh: result.value }, 'Kafka consumer: batch processed')
      return
    }
    if (readable.length === 1) return handleOne(readable[0], { err: result.err })
    for (const message of readable) await handleOne(message)
  }
}
