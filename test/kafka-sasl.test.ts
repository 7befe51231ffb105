import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { loadConfig } from '../src/config.ts'
import { createAdmin, pingKafka, useKafkaSecurity } from '../src/kafka/client/clients.ts'
import { freePort, type LocalBroker, startLocalBroker } from '../src/kafka/local/broker.ts'
import { withFreshPorts } from '../support/broker.ts'

// Issue 8, finding 2 (broker side): Hostly's Kafka clients take SASL/SCRAM credentials from configuration and
// authenticate with them; a wrong password is refused by the broker. The broker has a SASL_PLAINTEXT listener
// with SCRAM-SHA-256 next to its plaintext one (production uses SASL_SSL; docs/security.md).

let broker: LocalBroker
let dataDir: string
let scramPort: number
before(async () => {
  broker = await withFreshPorts(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
    dataDir = await mkdtemp(join(tmpdir(), 'hostly-kafka-sasl-'))
    scramPort = await freePort()
    return startLocalBroker({ port: await freePort(), dataDir, scram: { port: scramPort, username: 'hostly-relay', password: 's3cret-relay' } })
  })
})
after(async () => {
  useKafkaSecurity({})
  await broker?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

const configured = (password: string) => loadConfig({
  KAFKA_BROKERS: `127.0.0.1:${scramPort}`, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'hostly-relay', KAFKA_SASL_PASSWORD: password
})

test('with KAFKA_SASL_* set, the clients authenticate with SCRAM-SHA-256 and can create and list topics', async () => {
  const config = configured('s3cret-relay')
  useKafkaSecurity(config)
  await pingKafka(config.kafkaBrokers)
  const admin = createAdmin(config.kafkaBrokers, 'test-sasl')
  try {
    await admin.createTopics({ topics: ['sasl-check'], partitions: 1, replicas: 1 })
    assert.ok((await admin.listTopics()).includes('sasl-check'))
  } finally {
    await admin.close()
  }
})

test('a wrong password, or no credentials at all, is refused by the SASL listener', async () => {
  useKafkaSecurity(configured('wrong password'))
  await assert.rejects(pingKafka([`127.0.0.1:${scramPort}`]))
  useKafkaSecurity({})
  const admin = createAdmin([`127.0.0.1:${scramPort}`], 'test-anonymous')
  try {
    await assert.rejects(Promise.race([admin.metadata({ topics: [] }),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('no answer')), 10_000).unref())]))
  } finally {
    await admin.close().catch(() => {})
  }
})

test('configuration is checked: a mechanism without credentials, or an unknown one, stops the process', () => {
  assert.throws(() => loadConfig({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }), /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/)
  assert.throws(() => loadConfig({ KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: 'b' }), /KAFKA_SASL_MECHANISM must be one of/)
  assert.throws(() => loadConfig({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' }), /KAFKA_TLS_CA_FILE: cannot read/)
})
