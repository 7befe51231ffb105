import {
  Admin, compatibilityPartitioner, ConfigResourceTypes, Consumer, findErrorBy, IncrementalAlterConfigOperationTypes, ProduceAcks,
  Producer, stringDeserializers, stringSerializers, type ConsumeOptions, type Message, type MessagesStream, type ProduceResult,
  type SendOptions
} from '@platformatic/kafka'
import { topicSegmentMs } from '../../config.ts'

// One place that builds Kafka clients, so every producer is idempotent with acks=all and every
// consumer commits by hand, and every client authenticates the same way.

/** SASL and TLS from configuration (KAFKA_SASL_*, KAFKA_TLS*), and KAFKA_PREFIX: set once at start, used by every client built here. */
export interface KafkaSecurity {
  kafkaSasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string }
  kafkaTls?: { ca?: string, cert?: string, key?: string, rejectUnauthorized: boolean }
}
let security: { sasl?: KafkaSecurity['kafkaSasl'], tls?: KafkaSecurity['kafkaTls'] } = {}

export function useKafkaSecurity (config: KafkaSecurity & { kafkaPrefix?: string }) {
  prefix = config.kafkaPrefix ?? ''
  security = {
    ...(config.kafkaSasl && { sasl: config.kafkaSasl }),
    ...(config.kafkaTls && { tls: config.kafkaTls })
  }
}

/** The connection options every Hostly Kafka client takes (none: plaintext, no authentication). */
export const connectionOptions = () => security

// KAFKA_PREFIX: every topic and consumer group Hostly names is this prefix plus the name, so installations (or
// test stacks) share a cluster without sharing a topic or a group. Applied here and in the admin calls only (through
// kafkaName): everything else, headers, metrics, processed_events and the outbox, uses the names without it.
let prefix = ''

/** KAFKA_PREFIX as set at start. */
export const kafkaPrefix = () => prefix

/** The name Kafka knows a topic or group by. */
export const kafkaName = (name: string) => prefix + name

/** The name Hostly uses for a topic Kafka names (the prefix taken off). */
export const hostlyName = (name: string) => prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name

export const PARTITIONS = 3

/** Sends to the topics by their Kafka names (KAFKA_PREFIX); callers name them without it. Promise form only. */
class PrefixedProducer<K, V, HK, HV> extends Producer<K, V, HK, HV> {
  override send (options: SendOptions<K, V, HK, HV>): Promise<ProduceResult> {
    return super.send({ ...options, messages: options.messages.map(m => ({ ...m, topic: kafkaName(m.topic) })) })
  }
}

/**
 * Reads the topics by their Kafka names, in the group by its Kafka name, and hands each message on with the
 * topic's Hostly name (a message commits through a closure over the name Kafka knows). Promise form only.
 */
class PrefixedConsumer<K, V, HK, HV> extends Consumer<K, V, HK, HV> {
  override async consume (options: ConsumeOptions<K, V, HK, HV>): Promise<MessagesStream<K, V, HK, HV>> {
    const stream = await super.consume({ ...options, topics: options.topics.map(kafkaName) })
    const push = stream.push.bind(stream)
    stream.push = (message: Message<K, V, HK, HV> | null) => {
      if (message) message.topic = hostlyName(message.topic)
      return push(message)
    }
    return stream
  }
}

export function createProducer (brokers: string[], clientId = 'hostly-relay') {
  return new PrefixedProducer({
    ...connectionOptions(),
    clientId,
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Java's (and kafkajs's) murmur2 placement: other clients find a booking in the same partition.
    partitioner: compatibilityPartitioner,
    retries: 3,
    timeout: 10_000
  })
}

/**
 * A consumer that commits by hand. onError hears the errors the client emits on its own (not through a call),
 * which would otherwise end the process: @platformatic/kafka 2.12.1 can emit one after close(), when a
 * heartbeat in flight at close comes back failed and it tries to rejoin.
 */
export function createConsumer (brokers: string[], groupId: string, clientId: string, sessionTimeout: number, onError: (err: Error) => void) {
  const consumer = new PrefixedConsumer({
    ...connectionOptions(),
    clientId,
    groupId: kafkaName(groupId),
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    autocommit: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
    rebalanceTimeout: sessionTimeout,
    maxWaitTime: 500,
    highWaterMark: 256
  })
  consumer.on('error', onError)
  return consumer
}

export function createAdmin (brokers: string[], clientId = 'hostly-admin') {
  return new Admin({ ...connectionOptions(), clientId, bootstrapBrokers: brokers, retries: 3 })
}

/** Replication of the topics Hostly creates (KAFKA_TOPIC_REPLICATION_FACTOR, KAFKA_TOPIC_MIN_INSYNC_REPLICAS); unset: chosen by the cluster's size. */
export interface TopicReplication {
  factor?: number
  minInsync?: number
}

/**
 * Creates the topics with PARTITIONS partitions each; a topic that exists already keeps its partitions and replicas.
 * New topics get `replication.factor` replicas (default min(3, the live brokers)) and min.insync.replicas (default
 * 2 with three replicas or more, else 1): with acks=all, a write then survives the loss of one broker, and a
 * cluster that has lost two refuses writes rather than keep a single copy.
 * With retentionMs, every topic (new or not) gets that retention.ms and a segment.ms that lets Kafka delete
 * old records on time: processed_events retention is checked against these (see topicRecordLifetimeMs),
 * so they are set at every start rather than trusted to whoever created the topic.
 */
export async function ensureTopics (brokers: string[], names: string[], retentionMs?: number, replication: TopicReplication = {}): Promise<void> {
  const topics = names.map(kafkaName)
  const admin = createAdmin(brokers)
  const configs = retentionMs === undefined
    ? []
    : [{ name: 'retention.ms', value: String(retentionMs) }, { name: 'segment.ms', value: String(topicSegmentMs(retentionMs)) }]
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter(t => !existing.has(t))
    if (missing.length > 0) {
      const { replicas, minInsync } = await newTopicReplication(admin, replication)
      await admin.createTopics({
        topics: missing,
        partitions: PARTITIONS,
        replicas,
        configs: [...configs, { name: 'min.insync.replicas', value: String(minInsync) }]
      }).catch((err: Error) => {
        // Another process may have created one meanwhile: the broker's error code says so, among the errors.
        if (!findErrorBy(err, 'apiId', 'TOPIC_ALREADY_EXISTS')) throw err
      })
    }
    // Every topic, not only those listed before: a topic created just before (by another process, or a moment
    // before the broker's metadata listed it) came back as TOPIC_ALREADY_EXISTS above, without our configs.
    // Setting a value a topic already has is a no-op.
    if (configs.length > 0) {
      await admin.incrementalAlterConfigs({
        resources: topics.map(t => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: t,
          configs: configs.map(c => ({ ...c, configOperation: IncrementalAlterConfigOperationTypes.SET }))
        }))
      })
    }
  } finally {
    await admin.close()
  }
}

async function newTopicReplication (admin: Admin, wanted: TopicReplication): Promise<{ replicas: number, minInsync: number }> {
  const replicas = wanted.factor ?? Math.min(3, (await admin.metadata({ topics: [] })).brokers.size)
  const minInsync = wanted.minInsync ?? (replicas >= 3 ? 2 : 1)
  if (minInsync > replicas) {
    throw new Error(`min.insync.replicas ${minInsync} (KAFKA_TOPIC_MIN_INSYNC_REPLICAS) exceeds the ${replicas} replicas the topics would have: no write could succeed`)
  }
  return { replicas, minInsync }
}

/** Resolves when the cluster answers a metadata request, so a caller knows Kafka is reachable. */
export async function pingKafka (brokers: string[]): Promise<void> {
  const admin = createAdmin(brokers, 'hostly-ping')
  try {
    await admin.metadata({ topics: [] })
  } finally {
    await admin.close()
  }
}
