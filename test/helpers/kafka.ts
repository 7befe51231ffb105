import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Consumer, MessagesStreamModes, stringDeserializers, type Message } from '@platformatic/kafka'
import { createAdmin, hostlyName, kafkaName, PARTITIONS } from '../../src/kafka/client/clients.ts'
import { settlesWithin, withDeadline } from '../../src/timing.ts'
import { waitFor, WaitTimeout } from './wait.ts'

export interface RecordSeen {
  topic: string
  partition: number
  offset: bigint
  key: string
  value: string
  headers: Record<string, string>
}

/** The recorder's session timeout; its join may take six of them, as the app's consumers' joins (consumer/stream.ts). */
const SESSION_TIMEOUT_MS = 6000
const JOIN_DEADLINE_MS = 6 * SESSION_TIMEOUT_MS
/** Closing the stream and leaving the group; past it, the connections are closed without a goodbye. */
const CLOSE_DEADLINE_MS = 10_000
/** A look at offsets through the admin client (whose requests time out after 30 s each, and are tried 3 times). */
const ADMIN_DEADLINE_MS = 15_000

/**
 * Reads every record of the topics from the beginning, in a group of its own, into `records`. Topics and groups
 * are named as Hostly names them: the KAFKA_PREFIX of the stack started last is applied, as src/kafka/client/clients.ts does.
 * No wait on it is unbounded (a hung join, fetch or close once held a test file for 14 minutes): joining fails after
 * joinMs, waitFor says what it waited for and what the recorder last heard, and close() ends its connections after closeMs.
 */
export async function recordTopics (brokers: string[], topics: string[], opts: { joinMs?: number, closeMs?: number } = {}) {
  const name = `the recorder of ${topics.join(', ')}`
  const closeMs = opts.closeMs ?? CLOSE_DEADLINE_MS
  const records: RecordSeen[] = []
  const consumer = new Consumer({
    clientId: 'test-recorder',
    groupId: kafkaName(`test-recorder-${randomUUID()}`),
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    autocommit: false,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1000,
    maxWaitTime: 200
  })
  // Errors the client emits on its own (a broker stopped by a test, a late heartbeat after close) must not
  // end the test process; what the recorder saw is what the tests assert on. The last is told when a wait fails.
  let lastError: string | undefined
  consumer.on('error', (err: Error) => { lastError = err.message })
  let gaveUp = false
  const consuming = (async () => {
    await untilTopicsExist(consumer, topics.map(kafkaName), () => gaveUp)
    return await consumer.consume({ topics: topics.map(kafkaName), mode: MessagesStreamModes.EARLIEST })
  })()
  const stream = await withDeadline(consuming, opts.joinMs ?? JOIN_DEADLINE_MS, `${name}: joining its group`).catch(async err => {
    gaveUp = true
    consuming.then(late => { late.on('error', () => {}); late.destroy() }, () => {})
    await settlesWithin(consumer.close(true), closeMs)
    await settlesWithin(consumer.connections.close(), closeMs)
    throw err
  })
  let closing = false
  let ended: string | undefined
  stream.on('error', (err: Error) => { lastError = err.message })
  stream.on('close', () => {
    if (closing) return
    ended = `its stream ended${lastError ? ` (${lastError})` : ''}`
    console.error(`${name}: ${ended}; it records nothing more`) // seen in the file's output whatever waits on it
  })
  stream.on('data', (m: Message<string, string, string, string>) => {
    records.push({
      topic: hostlyName(m.topic),
      partition: m.partition,
      offset: m.offset,
      key: m.key,
      value: m.value,
      headers: Object.fromEntries(m.headers)
    })
  })
  const forKey = (topic: string, key: string | number) => records.filter(r => r.topic === topic && r.key === String(key))
  return {
    records,
    forKey,
    /**
     * Polls fn until it returns a truthy value; after timeoutMs fails naming the topics, what it waited for and how
     * the recorder stands (the records of each topic it has, its stream's end, the client's last error).
     */
    async waitFor<T> (what: string, fn: () => T, timeoutMs = 30_000): Promise<NonNullable<T>> {
      return await waitFor(what, fn, timeoutMs).catch(err => {
        if (!(err instanceof WaitTimeout)) throw err
        const seen = topics.map(topic => `${records.filter(r => r.topic === topic).length} records of ${topic}`).join(', ')
        throw new WaitTimeout(`${name}: timed out after ${timeoutMs} ms waiting for ${what} (it has ${seen}; ` +
          `${ended ?? 'its stream is open'}; the client's last error: ${lastError ?? 'none'})`)
      })
    },
    /** True once the recorder has read every record the topic holds now (each partition up to its end). */
    async caughtUp (topic: string): Promise<boolean> {
      const ends = await endOffsets(brokers, topic)
      return ends.every(({ partition, offset }) =>
        offset === 0n || records.some(r => r.topic === topic && r.partition === partition && r.offset === offset - 1n))
    },
    /** Closes the stream and leaves the group; one that hangs (a broker frozen, a fetch never answered) is cut off. */
    async close () {
      closing = true
      const polite = stream.close().then(() => consumer.close(true))
      if (await settlesWithin(polite, closeMs)) return await polite
      stream.destroy()
      consumer.close(true).catch(() => {}) // stops its heartbeats; what it still sends fails on the closed connections
      await settlesWithin(Promise.all([stream.connections.close(), consumer.connections.close()]), closeMs)
      console.error(`${name}: closing did not finish within ${closeMs} ms; its connections were closed`)
    }
  }
}

/**
 * Hostly's processes create their topics in the background once they start (src/services-kafka.ts), so a recorder
 * started right after them may ask before the topics exist: the client answers "Unknown topic", which is not
 * retried. It asks again until they do, or until the recorder's join deadline has given up on it. startStack()
 * waits for its stack's topics already; this covers the `hostly` processes a test starts by itself
 * (cli-kafka.test.ts) and a recorder started on a topic nothing has created yet (kafka-deadlines.test.ts).
 */
async function untilTopicsExist (consumer: Consumer<string, string, string, string>, topics: string[], gaveUp: () => boolean): Promise<void> {
  for (;;) {
    try {
      await consumer.metadata({ topics, forceUpdate: true })
      return
    } catch (err) {
      if (gaveUp() || !/^Unknown topic /.test((err as Error).message)) throw err
      await sleep(100)
    }
  }
}

const partitions = Array.from({ length: PARTITIONS }, (_, i) => i)

/** The end (next offset to be written) of each partition of the topic. */
async function endOffsets (brokers: string[], topic: string): Promise<Array<{ partition: number, offset: bigint }>> {
  const admin = createAdmin(brokers, 'test-lag')
  try {
    const [ends] = await withDeadline(admin.listOffsets({
      topics: [{ name: kafkaName(topic), partitions: partitions.map(partitionIndex => ({ partitionIndex, timestamp: -1n })) }]
    }), ADMIN_DEADLINE_MS, `reading the end offsets of ${topic}`)
    return ends.partitions.map(p => ({ partition: p.partitionIndex, offset: p.offset }))
  } finally {
    await admin.close()
  }
}

/** True once the group has committed every record currently in the topic (it has processed them all). */
export async function groupCaughtUp (brokers: string[], group: string, topic: string): Promise<boolean> {
  const ends = await endOffsets(brokers, topic)
  const admin = createAdmin(brokers, 'test-lag')
  try {
    const [committed] = await withDeadline(admin.listConsumerGroupOffsets({ groups: [{ groupId: kafkaName(group), topics: [{ name: kafkaName(topic), partitionIndexes: partitions }] }] }),
      ADMIN_DEADLINE_MS, `reading group ${group}'s committed offsets of ${topic}`)
    const done = new Map(committed.topics[0]?.partitions.map(p => [p.partitionIndex, p.committedOffset]) ?? [])
    return ends.every(p => p.offset === 0n || (done.get(p.partition) ?? -1n) >= p.offset)
  } finally {
    await admin.close()
  }
}

/** True once the group has no members (its processes have left it): only then may its offsets be reset. */
export async function groupIsEmpty (brokers: string[], group: string): Promise<boolean> {
  const admin = createAdmin(brokers, 'test-groups')
  try {
    const groups = await withDeadline(admin.describeGroups({ groups: [kafkaName(group)] }), ADMIN_DEADLINE_MS, `describing group ${group}`)
    return groups.get(kafkaName(group))?.members.size === 0
  } finally {
    await admin.close()
  }
}
