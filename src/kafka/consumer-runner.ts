import { MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka'
import type { Logger } from 'pino'
import { transaction, type Client, type Pool } from '../db/pool.ts'
import { isTransient } from '../db/transient.ts'
import { Backoff, Waker } from '../timing.ts'
import { createConsumer } from './client.ts'
import { inBatches } from './batches.ts'
import { decodeEvent, type DecodedEvent, type EventContract } from './decode.ts'
import { FailureRouter, H, type Failure, type KafkaMessage } from './failures.ts'
import { retryTopic, sourceTopic } from './topics.ts'

/**
 * A consumer group's work: what it reads, and the effect of events it has not processed before, applied in
 * one transaction. It gets a batch when records come fast, or a single event when one is being isolated.
 */
export interface ConsumerSpec {
  name: string
  group: string
  topic: string
  /** What records on the topic must be (given by the topic's owner: kafka/ knows no feature). */
  contract: EventContract
  /** More topics the group reads, each with its contract (the e-mail service reads both). Events say their topic. */
  alsoTopics?: Array<{ topic: string, contract: EventContract }>
  handle (tx: Client, events: DecodedEvent[]): Promise<void>
}

export interface FailurePolicy {
  /** Attempts in place (quick backoff) before the event leaves its partition for the retry topic. */
  handlerAttempts: number
  /** Rounds through T.retry before T.dlq. */
  retryRounds: number
  /** Wait in T.retry before the next round, ms. */
  retryDelayMs: number
}

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
}

export interface RunningConsumer { stop (): Promise<void> }

class Stopping extends Error {}

/** Whether the promise settles (either way) within ms. */
async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(resolve, ms, false) })
  const settled = await Promise.race([promise.then(() => true, () => true), late])
  clearTimeout(timer)
  return settled
}

/**
 * Runs one member of a consumer group. Each event is processed exactly once in effect: its id is recorded
 * in processed_events in the same transaction as the effect, and the offset is committed only after that
 * transaction, or after the event was handed to the retry or dead-letter topic. A crash in between
 * redelivers the event, which then finds its id and does nothing.
 */
export function startConsumer (opts: ConsumerOptions): RunningConsumer {
  const { spec, pool, policy } = opts
  const retryLane = opts.lane === 'retry'
  const contracts = new Map([[spec.topic, spec.contract], ...(spec.alsoTopics ?? []).map(t => [t.topic, t.contract] as const)])
  const topics = [...contracts.keys()].map(t => retryLane ? retryTopic(t) : t)
  const group = retryLane ? `${spec.group}.retry` : spec.group
  const log = opts.log.child({ consumer: spec.name, group, topic: topics.join(',') })
  // Per source topic: a failing record goes to its own topic's retry and dead-letter topics.
  const routers = new Map([...contracts.keys()].map(t => [t, new FailureRouter(opts.brokers, spec.group, t)]))
  const routerOf = (message: KafkaMessage) => routers.get(sourceTopic(message.topic))!
  const decode = (message: KafkaMessage) => decodeEvent(message, sourceTopic(message.topic), contracts.get(sourceTopic(message.topic))!)
  const waker = new Waker()
  const backoff = new Backoff(100, 5000)
  let running = true
  let consumer: ReturnType<typeof createConsumer> | undefined
  let current: { close (): Promise<void> } | undefined
  let joining: Promise<unknown> | undefined
  let inflight: Promise<unknown> = Promise.resolve()

  /** Records the events and applies the effect of those this group had not processed; returns how many. */
  async function apply (events: DecodedEvent[]): Promise<number> {
    return transaction(pool, async tx => {
      const { rows } = await tx.query({
        name: 'record-processed',
        text: `INSERT INTO processed_events (consumer_group, event_id) SELECT $1, unnest($2::uuid[])
               ON CONFLICT DO NOTHING RETURNING event_id::text`,
        values: [spec.group, events.map(e => e.id)]
      })
      const fresh = new Set(rows.map(r => r.event_id))
      // An event delivered twice within one batch counts once.
      const todo = events.filter(e => fresh.delete(e.id))
      if (todo.length > 0) await spec.handle(tx, todo)
      return todo.length
    })
  }

  /**
   * Applies the event, retrying in place. The database being away is no fault of the event: that waits as
   * long as it takes, uncounted. Returns the failure once handlerAttempts attempts have failed otherwise.
   */
  async function attempt (event: DecodedEvent, where: object): Promise<Failure | undefined> {
    const retry = new Backoff(100, 2000)
    for (let attempts = 1; ;) {
      try {
        const fresh = await apply([event])
        log.debug({ ...where, eventId: event.id, duplicate: fresh === 0 }, 'Kafka consumer: event processed')
        return undefined
      } catch (err) {
        if (!running) throw new Stopping()
        const e = err as Error & { code?: string }
        if (!isTransient(err)) {
          if (attempts >= policy.handlerAttempts) {
            return { errorClass: e.constructor?.name ?? 'Error', message: `${e.code ? e.code + ': ' : ''}${e.message}`, attempts }
          }
          attempts++
        }
        const delay = retry.next()
        log.warn({ ...where, eventId: event.id, attempts, err: e.message, retryInMs: delay }, 'Kafka consumer: event failed, retrying')
        await waker.sleep(delay)
      }
    }
  }

  /** One record on its own: the retry lane, and the records of a batch that failed together. */
  async function handleOne (message: KafkaMessage): Promise<void> {
    const where = { partition: message.partition, offset: String(message.offset) }
    if (retryLane && message.headers.get(H.group) !== spec.group) return // another group's round
    const round = Number(message.headers.get(H.retryRound) ?? 0)
    const before = Number(message.headers.get(H.attempts) ?? 0)
    if (retryLane) await until(Date.parse(message.headers.get(H.retryAt) ?? ''))

    const decoded = decode(message)
    if (!decoded.ok) return poison(message, decoded.reason, before)
    const failure = await attempt(decoded.event, where)
    if (!failure) return
    const total = { ...failure, attempts: before + failure.attempts }
    if (round < policy.retryRounds) {
      await routerOf(message).toRetry(message, total, round + 1, policy.retryDelayMs)
      log.warn({ ...where, eventId: decoded.event.id, round: round + 1, err: failure.message }, 'Kafka consumer: event moved to the retry topic')
    } else {
      await routerOf(message).toDeadLetter(message, total)
      log.error({ ...where, eventId: decoded.event.id, attempts: total.attempts, err: failure.message }, 'Kafka consumer: event sent to the dead-letter topic')
    }
  }

  async function poison (message: KafkaMessage, reason: string, attempts: number) {
    await routerOf(message).toDeadLetter(message, { errorClass: 'PoisonRecord', message: reason, attempts })
    log.error({ partition: message.partition, offset: String(message.offset), reason }, 'Kafka consumer: poison record sent to the dead-letter topic')
  }

  /**
   * Records of the main lane, as many as came together: one transaction for all. If it fails for a reason
   * other than the database being away, each record is taken on its own, so that only the guilty one is
   * retried and, in the end, dead-lettered.
   */
  async function handleBatch (messages: KafkaMessage[]): Promise<void> {
    if (retryLane) {
      for (const message of messages) await handleOne(message)
      return
    }
    const readable: KafkaMessage[] = []
    const events: DecodedEvent[] = []
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
    const retry = new Backoff(100, 5000)
    for (;;) {
      try {
        const fresh = await apply(events)
        log.debug({ events: events.length, fresh }, 'Kafka consumer: batch processed')
        return
      } catch (err) {
        if (!running) throw new Stopping()
        if (!isTransient(err)) break
        const delay = retry.next()
        log.warn({ err: (err as Error).message, retryInMs: delay }, 'Kafka consumer: database unavailable, retrying the batch')
        await waker.sleep(delay)
      }
    }
    for (const message of readable) await handleOne(message)
  }

  /** Commits each partition's last record of the batch (partitions of each topic: a spec may read several). */
  async function commit (messages: KafkaMessage[]) {
    const last = new Map(messages.map(m => [`${m.topic}:${m.partition}`, m]))
    for (const message of last.values()) await message.commit()
  }

  /** Sleeps until the time (ms since the epoch), unless stopped first. */
  async function until (time: number) {
    while (running && Number.isFinite(time) && Date.now() < time) await waker.sleep(time - Date.now())
    if (!running) throw new Stopping()
  }

  async function consumeUntilStopped () {
    consumer = createConsumer(opts.brokers, group, `hostly-${spec.name}${retryLane ? '-retry' : ''}`, opts.sessionTimeoutMs,
      err => { if (running) log.warn({ err: err.message }, 'Kafka consumer: client error') })
    const consuming = consumer.consume({
      topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST
    })
    joining = consuming
    const stream = await consuming.finally(() => { joining = undefined })
    // The stream builds itself on the next tick, and @platformatic/kafka 2.12.1 throws outside any callback
    // if its consumer was closed by then: let it finish before anyone may close either.
    await new Promise(resolve => setImmediate(resolve))
    // Errors after the loop has let go of the stream (its close racing a fetch) must not end the process.
    stream.on('error', err => { if (running) log.warn({ err: err.message }, 'Kafka consumer: stream error') })
    current = stream
    if (!running) return // stopped while joining
    log.info('Kafka consumer: joined group')
    backoff.reset()
    try {
      for await (const batch of inBatches<KafkaMessage>(stream, opts.batchSize ?? 200)) {
        if (!running) break // not processed, so not committed: delivered again later
        inflight = handleBatch(batch).then(() => commit(batch))
        await inflight
      }
    } finally {
      current = undefined
    }
  }

  async function loop () {
    while (running) {
      let reason = 'stream ended'
      try {
        await consumeUntilStopped()
      } catch (err) {
        reason = (err as Error).message
      } finally {
        await consumer?.close(true).catch(() => {})
        consumer = undefined
      }
      if (!running) break
      const delay = backoff.next()
      log.warn({ err: reason, retryInMs: delay }, 'Kafka consumer: disconnected, reconnecting')
      await waker.sleep(delay)
    }
  }

  const done = loop()
  return {
    async stop () {
      running = false
      waker.wake()
      // Let the event in hand finish and commit, then leave the group so its partitions move at once.
      await inflight.catch(() => {})
      if (current) {
        await current.close().catch(() => {})
      } else if (joining && !(await settlesWithin(joining, 3000))) {
        // Joining takes too long (Kafka unreachable, say): give up on it. A join that does finish is left to
        // finish, and the loop then closes its stream and consumer in order (see the library's quirk above).
        await consumer?.close(true).catch(() => {})
      }
      await done
      await Promise.all([...routers.values()].map(r => r.close()))
      log.info('Kafka consumer: stopped')
    }
  }
}
