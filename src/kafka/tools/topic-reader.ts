import { randomUUID } from 'node:crypto'
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka'
import { connectionOptions, createAdmin, kafkaName } from '../client/clients.ts'
import type { KafkaMessage } from '../consumer/failures.ts'
import { EARLIEST, LATEST, offsetsAt } from './offsets.ts'

export interface TopicRecord {
  partition: number
  offset: bigint
  key: string
  value: string
  headers: Record<string, string>
}

/**
 * Yields the topic's records from its start to its end as of the call, as they arrive (partitions interleaved,
 * each in order), with a throwaway group that is deleted afterwards. Nothing is kept: the consumer's stream
 * holds a bounded buffer, so a topic of any size is read in constant memory. Stopping early (break) is fine.
 */
export async function * readTopic (brokers: string[], topic: string): AsyncGenerator<TopicRecord> {
  const admin = createAdmin(brokers, 'hostly-dlq')
  const group = kafkaName(`hostly-dlq-reader-${randomUUID()}`)
  try {
    const start = await offsetsAt(admin, topic, EARLIEST)
    const end = await offsetsAt(admin, topic, LATEST)
    const pending = new Set([...end].filter(([p, e]) => e > (start.get(p) ?? 0n)).map(([p]) => p))
    if (pending.size === 0) return

    const consumer = new Consumer({
      ...connectionOptions(), // the broker's authentication, like every other Hostly client
      clientId: 'hostly-dlq',
      groupId: group,
      bootstrapBrokers: brokers,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 200,
      highWaterMark: 256
    })
    consumer.on('error', () => {}) // late errors of a closed client (see createConsumer); reading errors reach the loop
    const stream = await consumer.consume({ topics: [kafkaName(topic)], mode: MessagesStreamModes.EARLIEST })
    try {
      for await (const m of stream as AsyncIterable<KafkaMessage>) {
        if (m.offset < end.get(m.partition)!) {
          yield { partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: Object.fromEntries(m.headers) }
        }
        if (m.offset >= end.get(m.partition)! - 1n) pending.delete(m.partition)
        if (pending.size === 0) break
      }
    } finally {
      await stream.close().catch(() => {})
      await consumer.close(true).catch(() => {})
    }
  } finally {
    await admin.deleteGroups({ groups: [group] }).catch(() => {})
    await admin.close()
  }
}

/** Whether the topic exists (a source topic whose dead-letter topic nobody created yet has no dead letters). */
export async function topicExists (brokers: string[], topic: string): Promise<boolean> {
  const admin = createAdmin(brokers, 'hostly-dlq')
  try {
    return (await admin.listTopics()).includes(kafkaName(topic))
  } finally {
    await admin.close()
  }
}
