import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { createAdmin, ensureTopics, PARTITIONS } from '../src/kafka/client/clients.ts'
import { freshBroker } from './helpers/stack.ts'

// Several processes start at once and each makes sure the topics exist: the ones that lose the race are told
// so by the broker's TOPIC_ALREADY_EXISTS, recognised by its code, and go on.

let broker: Awaited<ReturnType<typeof freshBroker>>
before(async () => { broker = await freshBroker() })
after(async () => {
  await broker?.stop()
  if (broker) await rm(broker.dataDir, { recursive: true, force: true })
})

test('ensureTopics run five times at once creates each topic once, with its partitions, and none of the runs fails', async () => {
  const topics = ['race-a', 'race-b', 'race-b.retry']
  const brokers = [broker.brokers]
  const runs = await Promise.allSettled(Array.from({ length: 5 }, () => ensureTopics(brokers, topics)))
  assert.deepEqual(runs.filter(r => r.status === 'rejected'), [])
  const admin = createAdmin(brokers, 'test-topics')
  try {
    const listed = await admin.metadata({ topics })
    for (const name of topics) assert.equal(listed.topics.get(name)?.partitionsCount, PARTITIONS, name)
  } finally {
    await admin.close()
  }
})
