import { MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka'
import type { Logger } from 'pino'
import { Backoff, settlesWithin, withDeadline } from '../../timing.ts'
import { createConsumer } from '../client/clients.ts'
import type { KafkaMessage } from './failures.ts'
import { inBatches } from './batches.ts'
import type { Lifecycle } from './lifecycle.ts'

// A group member's connection to Kafka: join, read in batches, commit after each batch, and when anything
// breaks, close everything and join again after a backoff. The @platformatic/kafka 2.12.1 quirks it works
// around are here and nowhere else.

export interface StreamOptions {
  brokers: string[]
  group: string
  clientId: string
  topics: string[]
  sessionTimeoutMs: number
  /** Records handed over at once, at most. */
  batchSize: number
  log: Logger
  life: Lifecycle
  /** Processes a batch; each partition's last record is committed once it resolves. */
  onBatch (messages: KafkaMessage[]): Promise<void>
}

/**
 * How long a join, and a batch's commit, may take before the member gives up on its connection and joins again.
 * A join may legitimately wait out a rebalance (its timeout is the session timeout here), a commit a coordinator
 * moving; neither takes minutes. Found by the chaos run: with two of three brokers down at once, a join and a commit
 * of @platformatic/kafka 2.12.1 never settled, and both owner workers stayed out of their group for good.
 */
const JOIN_DEADLINE_SESSIONS = 6
const COMMIT_DEADLINE_SESSIONS = 3

/** Commits each partition's last record of the batch (of each topic: a group may read several). */
async function commit (messages: KafkaMessage[]) {
  const last = new Map(messages.map(m => [`${m.topic}:${m.partition}`, m]))
  for (const message of last.values()) await message.commit()
}

export function consumeStream (opts: StreamOptions): { stop (): Promise<void> } {
  const { life, log } = opts
  const backoff = new Backoff(100, 5000)
  let consumer: ReturnType<typeof createConsumer> | undefined
  let current: { close (): Promise<void> } | undefined
  let joining: Promise<unknown> | undefined
  let inflight: Promise<unknown> = Promise.resolve()

  async function consumeUntilStopped () {
    consumer = createConsumer(opts.brokers, opts.group, opts.clientId, opts.sessionTimeoutMs,
      err => { if (life.running) log.warn({ err: err.message }, 'Kafka consumer: client error') })
    const consuming = consumer.consume({
      topics: opts.topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST
    })
    joining = consuming
    const stream = await withDeadline(consuming, JOIN_DEADLINE_SESSIONS * opts.sessionTimeoutMs, 'joining the group')
      .catch(err => {
        // Given up on: a stream that still comes later is closed, once it has built itself (the quirk below).
        consuming.then(late => setImmediate(() => { late.close().catch(() => {}) }), () => {})
        throw err
      })
      .finally(() => { joining = undefined })
    // The stream builds itself on the next tick, and @platformatic/kafka 2.12.1 throws outside any callback
    // if its consumer was closed by then: let it finish before anyone may close either.
    await new Promise(resolve => setImmediate(resolve))
    // Errors after the loop has let go of the stream (its close racing a fetch) must not end the process.
    stream.on('error', err => { if (life.running) log.warn({ err: err.message }, 'Kafka consumer: stream error') })
    current = stream
    if (!life.running) return // stopped while joining
    log.info('Kafka consumer: joined group')
    backoff.reset()
    try {
      for await (const batch of inBatches<KafkaMessage>(stream, opts.batchSize)) {
        if (!life.running) break // not processed, so not committed: delivered again later
        // A commit that does not finish in time ends this connection: the batch is read again after the rejoin,
        // and its effects happen once (the consumer's idempotency record).
        inflight = opts.onBatch(batch).then(() => withDeadline(commit(batch), COMMIT_DEADLINE_SESSIONS * opts.sessionTimeoutMs, 'committing the batch'))
        await inflight
      }
    } catch (err) {
      // Given up on: destroyed, not closed. Closing it would wait for its fetch and its commit in flight, whose
      // failure ("Client is closed") then fails the consumer's close too; a consumer whose close failed stays in
      // its group, and @platformatic/kafka 2.12.1 lets its next heartbeat join it again: a member that holds
      // partitions and reads nothing, beside the new one, until the process ends (found by kafka-deadlines.test.ts).
      stream.destroy()
      throw err
    } finally {
      current = undefined
    }
  }

  /**
   * Closes the consumer, leaving its group. A close that fails leaves the member in the group (see above), so it is
   * tried once more; if that fails too, the member's connections are cut, so that it cannot join again.
   */
  async function leave (c: NonNullable<typeof consumer>) {
    const failure = await c.close(true).catch(() => c.close(true)).then(() => undefined, (err: Error) => err)
    if (!failure) return
    log.warn({ err: failure.message }, 'Kafka consumer: leaving the group failed twice; its connections are cut')
    await settlesWithin(c.connections.close(), 5000)
  }

  async function loop () {
    while (life.running) {
      let reason = 'stream ended'
      try {
        await consumeUntilStopped()
      } catch (err) {
        reason = (err as Error).message
      } finally {
        if (consumer) await leave(consumer)
        consumer = undefined
      }
      if (!life.running) break
      const delay = backoff.next()
      log.warn({ err: reason, retryInMs: delay }, 'Kafka consumer: disconnected, reconnecting')
      await life.sleep(delay)
    }
  }

  const done = loop()
  return {
    async stop () {
      life.stop()
      // Let the batch in hand finish and commit, then leave the group so its partitions move at once.
      await inflight.catch(() => {})
      if (current) {
        await current.close().catch(() => {})
      } else if (joining && !(await settlesWithin(joining, 3000))) {
        // Joining takes too long (Kafka unreachable, say): give up on it. A join that does finish is left to
        // finish, and the loop then closes its stream and consumer in order (see the library's quirk above).
        await consumer?.close(true).catch(() => {})
      }
      await done
    }
  }
}
