import { randomUUID } from 'node:crypto'
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka'
import type { Queryable } from '../db/pool.ts'
import { createAdmin, createProducer } from './client.ts'
import { UUID } from './decode.ts'
import { H, type KafkaMessage } from './failures.ts'
import { EARLIEST, LATEST, offsetsAt } from './offsets.ts'
import { deadLetterTopic, retryTopic, sourceTopic } from './topics.ts'

export interface DeadLetter {
  partition: number
  offset: bigint
  key: string
  value: string
  headers: Record<string, string>
  eventId: string | undefined
  group: string
  /** The group has processed this event since it was dead-lettered (after a redrive, say). */
  processed: boolean
}

/** Every record in the topic's dead-letter topic now, oldest first per partition, with whether it was processed since. */
export async function listDeadLetters (brokers: string[], db: Queryable, topic: string): Promise<DeadLetter[]> {
  const dlq = deadLetterTopic(sourceTopic(topic))
  const records = await readAll(brokers, dlq)
  const ids = records.map(r => r.headers['event-id']).filter(id => id && UUID.test(id))
  const { rows } = await db.query(
    'SELECT consumer_group, event_id::text FROM processed_events WHERE event_id = ANY($1::uuid[])', [ids])
  const done = new Set(rows.map(r => `${r.consumer_group} ${r.event_id}`))
  return records.map(r => ({
    ...r,
    eventId: r.headers['event-id'],
    group: r.headers[H.group] ?? '',
    processed: done.has(`${r.headers[H.group]} ${r.headers['event-id']?.toLowerCase()}`)
  }))
}

/**
 * Sends dead letters not processed since back to their group, through the retry lane at once and with all
 * its rounds again. The retry lane's idempotent consumer processes each event at most once in effect,
 * however often it is redriven. Returns the redriven records.
 */
export async function redrive (brokers: string[], db: Queryable, topic: string, eventId?: string): Promise<DeadLetter[]> {
  const letters = (await listDeadLetters(brokers, db, topic))
    .filter(l => !l.processed && (!eventId || l.eventId?.toLowerCase() === eventId.toLowerCase()))
  // One dead letter per (group, event): an event dead-lettered twice goes back once.
  const unique = [...new Map(letters.map(l => [`${l.group} ${l.eventId ?? `${l.partition}:${l.offset}`}`, l])).values()]
  if (unique.length === 0) return []
  const producer = createProducer(brokers, 'hostly-redrive')
  try {
    await producer.send({
      messages: unique.map(l => ({
        topic: retryTopic(sourceTopic(topic)),
        key: l.key,
        value: l.value,
        headers: { ...l.headers, [H.retryRound]: '0', [H.retryAt]: new Date().toISOString(), [H.attempts]: '0' }
      }))
    })
  } finally {
    await producer.close()
  }
  return unique
}

/** Reads a topic from its start to its end as of now, with a throwaway group that is deleted afterwards. */
async function readAll (brokers: string[], topic: string) {
  const admin = createAdmin(brokers, 'hostly-dlq')
  const group = `hostly-dlq-reader-${randomUUID()}`
  try {
    const start = await offsetsAt(admin, topic, EARLIEST)
    const end = await offsetsAt(admin, topic, LATEST)
    const pending = new Set([...end].filter(([p, e]) => e > (start.get(p) ?? 0n)).map(([p]) => p))
    const records: Array<Omit<DeadLetter, 'eventId' | 'group' | 'processed'>> = []
    if (pending.size === 0) return records

    const consumer = new Consumer({ clientId: 'hostly-dlq', groupId: group, bootstrapBrokers: brokers, deserializers: stringDeserializers, autocommit: false, maxWaitTime: 200 })
    consumer.on('error', () => {}) // late errors of a closed client (see createConsumer); reading errors reach the loop
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST })
    try {
      for await (const m of stream as AsyncIterable<KafkaMessage>) {
        if (m.offset < end.get(m.partition)!) {
          records.push({ partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: Object.fromEntries(m.headers) })
        }
        if (m.offset >= end.get(m.partition)! - 1n) pending.delete(m.partition)
        if (pending.size === 0) break
      }
    } finally {
      await stream.close().catch(() => {})
      await consumer.close(true).catch(() => {})
    }
    return records.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))
  } finally {
    await admin.deleteGroups({ groups: [group] }).catch(() => {})
    await admin.close()
  }
}
