// A throw-away Kafka cluster of several nodes, and what a fault harness needs to know about it: which node leads
// a partition, which is the active controller, whether every replica is back in sync.
import { Connection, describeQuorumV2, metadataV12 } from '@platformatic/kafka'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../src/kafka/local/broker.ts'
import { startLocalCluster, type LocalCluster } from '../src/kafka/local/cluster.ts'

export type FreshCluster = LocalCluster & { dataDir: string, /** stop(), then removes the folder. */ remove (): Promise<void> }

/** A cluster of its own (three nodes by default) on free ports, in a temporary folder. */
export async function freshCluster (opts: { nodes?: number, log?: (msg: string) => void } = {}): Promise<FreshCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hostly-kafka-cluster-'))
  const ports = await Promise.all(Array.from({ length: opts.nodes ?? 3 }, () => freePort()))
  const cluster = await startLocalCluster({ ports, dataDir, log: opts.log, nodeLog: () => {} })
  return {
    ...cluster,
    dataDir,
    async remove () {
      await cluster.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** Asks the first broker that answers; Kafka's answer, or the last failure. */
async function askAnyBroker<T> (brokers: string[], ask: (connection: Connection) => Promise<T>): Promise<T> {
  let lastError: unknown
  for (const broker of brokers) {
    const [host, port] = broker.split(':')
    const connection = new Connection('hostly-cluster-probe', { connectTimeout: 2000, requestTimeout: 5000 })
    try {
      await connection.connect(host, Number(port))
      return await ask(connection)
    } catch (err) {
      lastError = err
    } finally {
      await connection.close().catch(() => {})
    }
  }
  throw new Error(`no broker of ${brokers.join(',')} answered: ${(lastError as Error)?.message}`)
}

export interface PartitionState { topic: string, partition: number, leader: number, replicas: number[], inSync: number[] }

/**
 * Leader, replicas and in-sync replicas of each partition of the topics, Kafka's internal ones included (a
 * Metadata request of our own: the client library's metadata leaves out __consumer_offsets and the like).
 */
export async function partitions (brokers: string[], topics: string[]): Promise<PartitionState[]> {
  const metadata = await askAnyBroker(brokers, connection => metadataV12.api.async(connection, topics))
  return metadata.topics.flatMap(t => {
    if (t.errorCode !== 0) throw new Error(`${t.name}: Kafka error code ${t.errorCode}`)
    return t.partitions
      .map(p => ({ topic: t.name!, partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, inSync: p.isrNodes }))
      .sort((a, b) => a.partition - b.partition)
  })
}

/** The node leading each partition of the topic (index = partition). */
export async function partitionLeaders (brokers: string[], topic: string): Promise<number[]> {
  return (await partitions(brokers, [topic])).map(p => p.leader)
}

/** The partitions of these topics ("topic-partition") with a replica out of sync: none once the cluster is whole. */
export async function underReplicated (brokers: string[], topics: string[]): Promise<string[]> {
  return (await partitions(brokers, topics)).filter(p => p.inSync.length < p.replicas.length).map(p => `${p.topic}-${p.partition}`)
}

/**
 * The node id of the active controller: the leader of the KRaft quorum, asked with DescribeQuorum (a broker
 * forwards it to the controllers). Metadata's controllerId will not do: in KRaft a broker reports a random live
 * broker there, since clients never talk to the controllers.
 */
export async function activeController (brokers: string[]): Promise<number> {
  const quorum = await askAnyBroker(brokers, connection =>
    describeQuorumV2.api.async(connection, [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }]))
  const leader = quorum.topics[0].partitions[0].leaderId
  if (leader < 0) throw new Error('the controller quorum has no leader now')
  return leader
}
