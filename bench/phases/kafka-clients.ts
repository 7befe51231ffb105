// (d) Kafka clients: N seed-sized booking-created records produced, then consumed, by @platformatic/kafka
// (Hostly's client) and by kafkajs 2.2.4 (the seed's), on the same broker, each on a 3-partition topic of
// its own.
//
// Same work for both: key = the id, value = the seed's booking-created JSON, the three headers Hostly sends;
// idempotent producers with acks=all (-1) and Java's murmur2 partitioner; records sent in batches of BATCH
// per send() call, one call in flight at a time (await each), so both put the same records in the same
// produce requests. Consumers: a fresh group from the earliest offset, no commits, fetch min 1 byte, max
// wait 500 ms, max 10 MiB per fetch and 1 MiB per partition; each record's value is JSON-parsed. Consume
// time runs from the first record received (after the group join) to the N-th.
import { randomUUID } from 'node:crypto'
import {
  compatibilityPartitioner, Consumer, MessagesStreamModes, ProduceAcks, Producer, stringDeserializers, stringSerializers, type Message
} from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { ensureTopics } from '../../src/kafka/client/clients.ts'
import type { Monitor } from '../lib/monitor.ts'
import { until } from '../lib/servers.ts'
import { nowMs } from '../lib/stats.ts'

const BATCH = 100
const CLIENTS = ['platformatic', 'kafkajs'] as const
/** The topics this phase writes, one and a warm-up one per client: created at the bench's start, so their
 * partitions have leaders long before they are used. */
export const kafkaClientTopics = CLIENTS.flatMap(name => [`bench-kafka-clients-${name}`, `bench-kafka-clients-${name}-warmup`])
const FETCH = { maxWaitMs: 500, maxBytes: 10 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 }

interface KafkaRecord { key: string, value: string, headers: Record<string, string> }

export interface ClientRun {
  produce_s: number
  produce_records_per_s: number
  consume_s: number
  consume_records_per_s: number
  /** From subscribing to the first record: the group join. */
  join_s: number
  /** N / (produce_s + consume_s). */
  records_per_s: number
  cpu_produce: Record<string, number>
  cpu_consume: Record<string, number>
}

/** The seed's booking-created JSON, field for field, with this record's id. */
function seedRecord (i: number): KafkaRecord {
  const at = new Date(Date.UTC(2024, 0, 10, 10) + i).toISOString()
  const value = JSON.stringify({
    id: i,
    property_id: 1 + (i % 200),
    traveler_id: 1 + (i % 500),
    start_date: '2024-01-15',
    end_date: '2024-01-20',
    num_guests: 2,
    status: 'pending',
    total_price: 500.00,
    created_at: at,
    timestamp: at
  })
  return { key: String(i), value, headers: { 'event-id': randomUUID(), 'event-type': 'booking-created', 'event-version': '1' } }
}

interface Client {
  produce (topic: string, batch: KafkaRecord[]): Promise<void>
  /** Resolves with [ms to the first record, ms from the first to the n-th]. */
  consume (topic: string, n: number, timeoutMs: number): Promise<[number, number]>
  close (): Promise<void>
}

function platformatic (brokers: string[]): Client {
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner
  })
  return {
    async produce (topic, batch) {
      await producer.send({ messages: batch.map(r => ({ topic, ...r })) })
    },
    async consume (topic, n, timeoutMs) {
      const consumer = new Consumer({
        clientId: 'bench-platformatic',
        groupId: `bench-${randomUUID()}`,
        bootstrapBrokers: brokers,
        deserializers: stringDeserializers,
        autocommit: false,
        sessionTimeout: 6000,
        heartbeatInterval: 1000,
        minBytes: 1,
        maxWaitTime: FETCH.maxWaitMs,
        maxBytes: FETCH.maxBytes,
        maxBytesPerPartition: FETCH.maxBytesPerPartition
      })
      try {
        return await countRecords(n, timeoutMs, async (onRecord) => {
          const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST })
          stream.on('data', (m: Message<string, string, string, string>) => { JSON.parse(m.value); onRecord() })
          return () => stream.close()
        })
      } finally {
        await consumer.close(true)
      }
    },
    close: () => producer.close()
  }
}

function kafkajs (brokers: string[]): Client {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.WARN })
  const producer = kafka.producer({ idempotent: true })
  const connected = producer.connect()
  return {
    async produce (topic, batch) {
      await connected
      await producer.send({ topic, acks: -1, messages: batch })
    },
    async consume (topic, n, timeoutMs) {
      const consumer = kafka.consumer({
        groupId: `bench-${randomUUID()}`,
        sessionTimeout: 6000,
        heartbeatInterval: 1000,
        minBytes: 1,
        maxWaitTimeInMs: FETCH.maxWaitMs,
        maxBytes: FETCH.maxBytes,
        maxBytesPerPartition: FETCH.maxBytesPerPartition
      })
      try {
        return await countRecords(n, timeoutMs, async (onRecord) => {
          await consumer.connect()
          await consumer.subscribe({ topic, fromBeginning: true })
          await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => { JSON.parse(message.value!.toString()); onRecord() } })
          return () => consumer.stop()
        })
      } finally {
        await consumer.disconnect()
      }
    },
    close: () => producer.disconnect()
  }
}

/** Starts a consumer through start(onRecord) and times it until n records have arrived (bounded). */
async function countRecords (n: number, timeoutMs: number, start: (onRecord: () => void) => Promise<() => Promise<unknown>>): Promise<[number, number]> {
  const began = nowMs()
  let first = 0
  let last = 0
  let count = 0
  const stop = await start(() => {
    if (++count === 1) first = nowMs()
    if (count === n) last = nowMs()
  })
  try {
    await until(`${n} records`, async () => count >= n, timeoutMs, 5)
  } finally {
    await stop()
  }
  return [first - began, last - first]
}

export async function kafkaClients (brokers: string[], opts: { records: number, monitor: Monitor, log: (line: string) => void }) {
  const records = Array.from({ length: opts.records }, (_, i) => seedRecord(i + 1))
  const clients = { platformatic: platformatic(brokers), kafkajs: kafkajs(brokers) }
  const runs: Record<string, ClientRun> = {}
  try {
    for (const [name, client] of Object.entries(clients)) {
      const topic = `bench-kafka-clients-${name}`
      await ensureTopics(brokers, [topic, `${topic}-warmup`]) // made at the start already
      for (let i = 0; i < 10; i++) await client.produce(`${topic}-warmup`, records.slice(0, BATCH)) // connections, producer id, JIT

      let window = opts.monitor.window(`kafka clients: ${name} produce`)
      const started = nowMs()
      for (let i = 0; i < records.length; i += BATCH) await client.produce(topic, records.slice(i, i + BATCH))
      const produceS = (nowMs() - started) / 1000
      const cpuProduce = window.stop().cpu

      window = opts.monitor.window(`kafka clients: ${name} consume`)
      const [joinMs, consumeMs] = await client.consume(topic, records.length, 120_000)
      const cpuConsume = window.stop().cpu
      const consumeS = consumeMs / 1000
      runs[name] = {
        produce_s: produceS,
        produce_records_per_s: records.length / produceS,
        consume_s: consumeS,
        consume_records_per_s: records.length / consumeS,
        join_s: joinMs / 1000,
        records_per_s: records.length / (produceS + consumeS),
        cpu_produce: cpuProduce,
        cpu_consume: cpuConsume
      }
      opts.log(`kafka clients, ${name}: produce ${runs[name].produce_records_per_s.toFixed(0)} records/s, consume ${runs[name].consume_records_per_s.toFixed(0)} records/s`)
    }
  } finally {
    await Promise.allSettled(Object.values(clients).map(c => c.close()))
  }
  const [p, k] = [runs.platformatic, runs.kafkajs]
  return {
    records: opts.records,
    batch: BATCH,
    record_bytes: Buffer.byteLength(records[0].value),
    platformatic: p,
    kafkajs: k,
    produce_ratio: p.produce_records_per_s / k.produce_records_per_s,
    consume_ratio: p.consume_records_per_s / k.consume_records_per_s,
    throughput_ratio: p.records_per_s / k.records_per_s
  }
}
