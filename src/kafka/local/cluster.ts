// A local Kafka cluster of several KRaft nodes (hostly kafka --nodes 3), for laptops and tests: each node is a
// broker and a controller in one JVM (three JVMs, not six, on a small machine; the quorum of three controllers
// still survives one loss, as production's three nodes do). Node i (1-based) serves clients on ports[i - 1]; its
// folder is <dataDir>/node-<i>. The internal topics get three replicas and min.insync.replicas 2.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConfigError } from '../../config.ts'
import {
  clusterId, format, freePort, isFormatted, kafkaClasspath, launchNode, writeNodeFiles, type KafkaNode
} from './broker.ts'

export interface LocalClusterOptions {
  /** The client port of each node: node 1 on ports[0], and so on. */
  ports: number[]
  dataDir: string
  /** Default: those the folder was formatted with, else free ports picked by the OS. */
  controllerPorts?: number[]
  /** Where the cluster says what it does (formatted, ready, a node back). */
  log?: (msg: string) => void
  /** Each node's own console lines (its warnings, its start), prefixed with "node <id>: "; default: log. */
  nodeLog?: (msg: string) => void
  /**
   * Heap of each node's JVM; default 512 MiB, as a single broker's. At 256 a node starting on a machine at load 20
   * failed with OutOfMemoryError while starting its LogManager (cli-kafka.test.ts, once).
   */
  heapMb?: number
}

export interface ClusterNode {
  /** Kafka's node.id, 1 to the number of nodes. */
  id: number
  /** "127.0.0.1:<port>" of this node's broker. */
  broker: string
  controllerPort: number
  dataDir: string
  /** The JVM's pid, while one runs (a SIGSTOPped one does). */
  pid (): number | undefined
  /** Resolves with the exit code of the JVM running now (null when a signal ended it). */
  exited (): Promise<number | null>
  /** Sends a signal to the JVM; SIGKILL and SIGTERM resolve once it has exited. */
  kill (signal?: NodeJS.Signals): Promise<void>
  /** Starts the node's JVM again (after kill or stop) and resolves once every node is back in the cluster. */
  start (): Promise<void>
}

export interface LocalCluster {
  /** "127.0.0.1:<port>,…": every node's broker, as KAFKA_BROKERS takes them. */
  brokers: string
  nodes: ClusterNode[]
  /** Stops every node (SIGTERM, then SIGKILL after 15 s). */
  stop (): Promise<void>
}

/** What a cluster's folder keeps besides the nodes' own folders: the cluster id and the controllers' ports. */
interface ClusterFile { clusterId: string, controllerPorts: number[] }

const CLUSTER_FILE = 'cluster.json'
const READY_TIMEOUT_MS = 180_000

export async function startLocalCluster (opts: LocalClusterOptions): Promise<LocalCluster> {
  const log = opts.log ?? (() => {})
  const nodeLog = opts.nodeLog ?? log
  const classpath = kafkaClasspath()
  const dataDir = resolve(opts.dataDir)
  const count = opts.ports.length
  const saved = await readClusterFile(dataDir, count)
  const cluster: ClusterFile = {
    clusterId: saved?.clusterId ?? clusterId(),
    // The controllers' endpoints are the quorum's identity: a formatted cluster keeps its ports.
    controllerPorts: opts.controllerPorts ?? saved?.controllerPorts ?? await Promise.all(opts.ports.map(() => freePort()))
  }
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, CLUSTER_FILE), JSON.stringify(cluster, null, 2) + '\n')
  const voters = cluster.controllerPorts.map((controllerPort, i) => ({ nodeId: i + 1, controllerPort }))
  const settings = opts.ports.map((port, i) => ({ nodeId: i + 1, port, controllerPort: cluster.controllerPorts[i], voters, dir: join(dataDir, `node-${i + 1}`) }))

  const started = Date.now()
  await Promise.all(settings.map(async s => {
    await writeNodeFiles(s.dir, s)
    if (!isFormatted(s.dir)) await format(s.dir, classpath, log, ['-t', cluster.clusterId])
  }))

  const brokers = opts.ports.map(port => `127.0.0.1:${port}`)
  const running = new Map<number, KafkaNode>()
  const launch = async (id: number) => {
    const node = launchNode(settings[id - 1].dir, classpath, opts.heapMb ?? 512, line => nodeLog(`node ${id}: ${line}`))
    running.set(id, node)
    void node.exited.then(() => { if (running.get(id) === node) running.delete(id) })
    await node.spawned
    return node
  }
  /**
   * Resolves once the node's broker lists every node as a live broker. Three JVMs starting at once on two busy
   * cores have taken over a minute here, so each gets three.
   */
  const whole = (id: number) => running.get(id)!.ready(brokers[id - 1], count, READY_TIMEOUT_MS)

  // All at once: a node cannot finish starting before a majority of controllers runs.
  try {
    await Promise.all(settings.map(s => launch(s.nodeId)))
    await Promise.all(settings.map(s => whole(s.nodeId)))
  } catch (err) {
    await Promise.all([...running.values()].map(n => n.stop()))
    throw err
  }
  log(`Kafka cluster: ${count} nodes ready on ${brokers.join(',')} ${Date.now() - started} ms after the start`)

  const nodes: ClusterNode[] = settings.map(s => ({
    id: s.nodeId,
    broker: brokers[s.nodeId - 1],
    controllerPort: s.controllerPort,
    dataDir: s.dir,
    pid: () => running.get(s.nodeId)?.pid,
    exited: () => running.get(s.nodeId)?.exited ?? Promise.resolve(null),
    async kill (signal = 'SIGKILL') {
      const node = running.get(s.nodeId)
      if (!node) return
      if (signal === 'SIGTERM') return node.stop()
      node.signal(signal)
      if (signal === 'SIGKILL') await node.exited
    },
    async start () {
      if (running.has(s.nodeId)) throw new Error(`Kafka node ${s.nodeId} is running already`)
      await launch(s.nodeId)
      await whole(s.nodeId)
      log(`Kafka cluster: node ${s.nodeId} back`)
    }
  }))
  return {
    brokers: brokers.join(','),
    nodes,
    async stop () {
      await Promise.all([...running.values()].map(n => n.stop()))
    }
  }
}

async function readClusterFile (dataDir: string, count: number): Promise<ClusterFile | undefined> {
  const text = await readFile(join(dataDir, CLUSTER_FILE), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const file = JSON.parse(text) as ClusterFile
  if (file.controllerPorts.length !== count) {
    throw new ConfigError(`${dataDir} holds a ${file.controllerPorts.length}-node cluster, not ${count}: use --nodes ${file.controllerPorts.length} or another folder`)
  }
  return file
}
