import { createAdmin, kafkaName, PARTITIONS } from '../client/clients.ts'

type Admin = ReturnType<typeof createAdmin>

/** Kafka's special timestamps for ListOffsets. */
export const LATEST = -1n
export const EARLIEST = -2n

const partitions = () => Array.from({ length: PARTITIONS }, (_, i) => i)

/**
 * For each partition of the topic: the offset of the first record at or after `timestamp` (ms), or the
 * earliest / latest offset for EARLIEST / LATEST. -1 means no record is that late.
 */
export async function offsetsAt (admin: Admin, topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
  const [listed] = await admin.listOffsets({
    topics: [{ name: kafkaName(topic), partitions: partitions().map(partitionIndex => ({ partitionIndex, timestamp })) }]
  })
  return new Map(listed.partitions.map(p => [p.partitionIndex, p.offset]))
}

/** The group's committed offset per partition of the topic (-1 where it has none). */
export async function committedOffsets (admin: Admin, group: string, topic: string): Promise<Map<number, bigint>> {
  const [result] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: kafkaName(group), topics: [{ name: kafkaName(topic), partitionIndexes: partitions() }] }] })
  return new Map(result.topics[0]?.partitions.map(p => [p.partitionIndex, p.committedOffset]) ?? [])
}
