import { MessagesStreamFallbackModes, MessagesStreamModes, type Message } from '@platformatic/kafka'
import type { Logger } from 'pino'
import { transaction, type Client, type Pool } from '../db/pool.ts'
import { isTransient } from '../db/transient.ts'
import { Backoff, Waker } from '../timing.ts'
import { createConsumer } from './client.ts'
import { decodeEvent, type DecodedEvent } from './decode.ts'

/** A consumer group's work: what it reads and the effect of one event, run inside a transaction. */
export interface ConsumerSpec {
  name: string
  group: string
  topic: string
  handle (tx: Client, event: DecodedEvent): Promise<void>
}

export interface ConsumerOptions {
  spec: ConsumerSpec
  brokers: string[]
  pool: Pool
  log: Logger
  sessionTimeoutMs: number
  /** Attempts at a failing (non-transient) event before giving up on it. */
  maxAttempts?: number
}

export interface RunningConsumer { stop (): Promise<void> }

type KafkaMessage = Message<string, string, string, string>

/**
 * Runs one member of a consumer group. Each event is processed exactly once in effect: its id is recorded
 * in processed_events in the same transaction as the effect, and the offset is committed only after that
 * transaction. A crash in between redelivers the event, which then finds its id and does nothing.
 */
export function startConsumer (opts: ConsumerOptions): RunningConsumer {
  const { spec, pool } = opts
  const log = opts.log.child({ consumer: spec.name, group: spec.group, topic: spec.topic })
  const maxAttempts = opts.maxAttempts ?? 5
  const waker = new Waker()
  const backoff = new Backoff(100, 5000)
  let running = true
  let consumer: ReturnType<typeof createConsumer> | undefined
  let current: { close (): Promise<void> } | undefined
  let inflight: Promise<unknown> = Promise.resolve()

  /** Records the event and applies its effect; false when this group had processed it already. */
  async function apply (event: DecodedEvent): Promise<boolean> {
    return transaction(pool, async tx => {
      const { rowCount } = await tx.query(
        'INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [spec.group, event.id])
      if (rowCount === 0) return false
      await spec.handle(tx, event)
      return true
    })
  }

  async function handleMessage (message: KafkaMessage): Promise<void> {
    const where = { partition: message.partition, offset: String(message.offset) }
    const decoded = decodeEvent(message)
    if (!decoded.ok) {
      log.error({ ...where, reason: decoded.reason }, 'Kafka consumer: poison record skipped')
      return
    }
    const retry = new Backoff(100, 5000)
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await apply(decoded.event)
        log.debug({ ...where, eventId: decoded.event.id, duplicate: !fresh }, 'Kafka consumer: event processed')
        return
      } catch (err) {
        // The database being away is no fault of the event: wait for it as long as it takes.
        if (!running) throw err
        if (!isTransient(err) && attempt >= maxAttempts) {
          log.error({ ...where, eventId: decoded.event.id, err }, 'Kafka consumer: giving up on event after retries')
          return
        }
        const delay = retry.next()
        log.warn({ ...where, attempt, err: (err as Error).message, retryInMs: delay }, 'Kafka consumer: event failed, retrying')
        await waker.sleep(delay)
      }
    }
  }

  async function consumeUntilStopped () {
    consumer = createConsumer(opts.brokers, spec.group, `hostly-${spec.name}`, opts.sessionTimeoutMs)
    const stream = await consumer.consume({
      topics: [spec.topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST
    })
    current = stream
    if (!running) return // stopped while joining
    log.info('Kafka consumer: joined group')
    backoff.reset()
    try {
      for await (const message of stream as AsyncIterable<KafkaMessage>) {
        if (!running) break // not processed, so not committed: delivered again later
        inflight = handleMessage(message).then(() => message.commit())
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
      if (current) await current.close().catch(() => {})
      else await consumer?.close(true).catch(() => {}) // still connecting or joining: give up on it
      await done
      log.info('Kafka consumer: stopped')
    }
  }
}
