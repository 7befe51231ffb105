import { randomUUID } from 'node:crypto'
import { Consumer, MessagesStreamModes, stringDeserializers, type Message } from '@platformatic/kafka'
import { createAdmin, hostlyName, kafkaName, PARTITIONS } from '../../src/kafka/client/clients.ts'

export interface RecordSeen {
  topic: string
  partition: number
  offset: bigint
  key: string
  value: string
  headers: Record<string, string>
}

/**
 * Reads every record of the topics from the beginning, in a group of its own, into `records`. Topics and groups
 * are named as Hostly names them: the KAFKA_PREFIX of the stack started last is applied, as src/kafka/client/clients.ts does.
 */
export async function recordTopics (brokers: string[], topics: string[]) {
  const records: RecordSeen[] = []
  const consumer = new Consumer({
    clientId: 'test-recorder',
    groupId: kafkaName(`test-recorder-${randomUUID()}`),
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    autocommit: false,
    sessionTimeout: 6000,
    heartbeatInterval: 1000,
    maxWaitTime: 200
  })
  // Errors the client emits on its own (a broker stopped by a test, a late heartbeat after close) must not
  // end the test process; what the recorder saw is what the tests assert on.
  consumer.on('error', () => {})
  const stream = await consumer.consume({ topics: topics.map(kafkaName), mode: MessagesStreamModes.EARLIEST })
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
  return {
    records,
    forKey: (topic: string, key: string | number) => records.filter(r => r.topic === topic && r.key === String(key)),
    /** True once the recorder has read every record the topic holds now (each partition up to its end). */
    async caughtUp (topic: string): Promise<boolean> {
      const ends = await endOffsets(brokers, topic)
      return ends.every(({ partition, offset }) =>
        offset === 0n || records.some(r => r.topic === topic && r.partition === partition && r.offset === offset - 1n))
    },
    async close () {
      await stream.close()
      await consumer.close(true)
    }
  }
}

const partitions = Array.from({ length: PARTITIONS }, (_, i) => i)

/** The end (next offset to be written) of each partition of the topic. */
async function endOffsets (brokers: string[], topic: string): Promise<Array<{ partition: number, offset: bigint }>> {
  const admin = createAdmin(brokers, 'test-lag')
  try {
    const [ends] = await admin.listOffsets({
      topics: [{ name: kafkaName(topic), partitions: partitions.map(partitionIndex => ({ partitionIndex, timestamp: -1n })) }]
    })
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
    const [committed] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: kafkaName(group), topics: [{ name: kafkaName(topic), partitionIndexes: partitions }] }] })
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
    return (await admin.describeGroups({ groups: [kafkaName(group)] })).get(kafkaName(group))?.members.size === 0
  } finally {
    await admin.close()
  }
}
