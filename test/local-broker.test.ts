import {
  Admin,
  Consumer,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { freePort, startLocalBroker, type LocalBroker } from '../src/kafka/local/broker.ts'

const topic = 'local-broker-test'

test('local broker: create a topic, produce, consume, stop, restart on the same folder', { timeout: 180_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hostly-local-broker-'))
  let broker: LocalBroker | undefined
  t.after(async () => {
    await broker?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })
  const logs: string[] = []
  const log = (msg: string) => {
    logs.push(msg)
    t.diagnostic(msg)
  }
  const port = await freePort()

  broker = await startLocalBroker({ port, dataDir, log })
  assert.equal(broker.brokers, `127.0.0.1:${port}`)
  const clusterId = await readClusterId(dataDir)

  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [broker.brokers] })
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 })
  await admin.close()

  const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: [broker.brokers], serializers: stringSerializers })
  await producer.send({ messages: [{ topic, key: 'booking-1', value: 'hello' }] })
  await producer.close()

  const consumer = new Consumer({
    groupId: 'local-broker-test',
    clientId: 'test-consumer',
    bootstrapBrokers: [broker.brokers],
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  })
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST })
  let received: { key: string; value: string } | undefined
  // eslint-disable-next-line no-unreachable-loop -- reads the first record only, then lets go of the stream
  for await (const message of stream) {
    received = { key: message.key, value: message.value }
    break
  }
  await stream.close()
  await consumer.close()
  assert.deepEqual(received, { key: 'booking-1', value: 'hello' })

  const { pid } = broker
  await broker.stop()
  await broker.stop() // idempotent
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })

  // Same folder again: no second format, the topic survived.
  broker = await startLocalBroker({ port, dataDir, log })
  assert.equal(logs.filter((line) => line.includes('formatted')).length, 1)
  assert.equal(await readClusterId(dataDir), clusterId)
  const admin2 = new Admin({ clientId: 'test-admin', bootstrapBrokers: [broker.brokers] })
  const metadata = await admin2.metadata({ topics: [topic] })
  await admin2.close()
  assert.equal(metadata.topics.get(topic)?.partitionsCount, 3)
})

async function readClusterId (dataDir: string): Promise<string | undefined> {
  const meta = await readFile(join(dataDir, 'data', 'meta.properties'), 'utf8')
  return /^cluster\.id=(.+)$/m.exec(meta)?.[1]
}
