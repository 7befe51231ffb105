// Runs a real one-node Apache Kafka broker (KRaft, broker + controller in one JVM) from the jars that
// scripts/kafka-jars.sh fetches into kafka/libs. Used by tests and local development. Its node pieces (files,
// format, JVM, readiness) also make the nodes of a local cluster (cluster.ts).
import { Admin } from '@platformatic/kafka'
import { execFile, spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { classData, hasClassData } from './class-data.ts'

export interface LocalBrokerOptions {
  port: number
  dataDir: string
  /** Default: the port the folder was formatted with, else a free port picked by the OS. */
  controllerPort?: number
  log?: (msg: string) => void
  heapMb?: number
  /** A second listener, SASL_PLAINTEXT with SCRAM-SHA-256, and this user created at format time (tests of broker authentication). */
  scram?: { port: number, username: string, password: string }
}

export interface LocalBroker {
  /** "127.0.0.1:<port>" */
  brokers: string
  pid: number
  stop(): Promise<void>
  /** Resolves with the JVM's exit code (null when a signal killed it). */
  exited: Promise<number | null>
}

const execFileAsync = promisify(execFile)
const libsDir = resolve(import.meta.dirname, '../../../kafka/libs')
const classDataDir = resolve(libsDir, '..', 'class-data')
// C1-only JIT: ~20% faster JVM start on 2 cores (format 0.62 -> 0.50 s, spawn to ready 1.67 -> 1.30 s);
// a local broker never runs long enough to miss C2's peak speed.
const FAST_START = '-XX:TieredStopAtLevel=1'
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export async function startLocalBroker (opts: LocalBrokerOptions): Promise<LocalBroker> {
  const log = opts.log ?? (() => {})
  const classpath = kafkaClasspath()
  const dataDir = resolve(opts.dataDir)
  const brokers = `127.0.0.1:${opts.port}`
  await mkdir(dataDir, { recursive: true })
  const controllerPort = await chooseControllerPort(dataDir, opts.controllerPort)
  await writeNodeFiles(dataDir, { nodeId: 1, port: opts.port, controllerPort, scramPort: opts.scram?.port })
  if (!isFormatted(dataDir)) {
    // KRaft keeps SCRAM credentials in the metadata log: the first user is written at format time.
    const user = opts.scram ? ['--add-scram', `SCRAM-SHA-256=[name=${opts.scram.username},password=${opts.scram.password}]`] : []
    await format(dataDir, classpath, log, ['--standalone', '-t', clusterId(), ...user])
  }
  const node = launchNode(dataDir, classpath, opts.heapMb ?? 512, log)
  await node.spawned
  await node.ready(brokers, 1)
  log(`Kafka broker: ready on ${brokers} (pid ${node.pid}) ${Date.now() - node.started} ms after spawn`)
  return { brokers, pid: node.pid, stop: node.stop, exited: node.exited }
}

export interface KafkaNode {
  pid: number
  /** When it was spawned (Date.now()). */
  started: number
  spawned: Promise<void>
  /** Resolves with the JVM's exit code (null when a signal killed it). */
  exited: Promise<number | null>
  /**
   * Resolves once the broker on `brokers` answers a metadata request listing `brokerCount` live brokers; throws
   * (after killing the JVM) if it exits first or is not ready within timeoutMs of its spawn (default a minute),
   * with its last log lines.
   */
  ready (brokers: string, brokerCount: number, timeoutMs?: number): Promise<void>
  /** Sends a signal to the JVM (SIGKILL, SIGSTOP, SIGCONT…). */
  signal (signal: NodeJS.Signals): void
  /** SIGTERM (Kafka's clean shutdown), SIGKILL after 15 s; resolves once it has exited. Idempotent. */
  stop (): Promise<void>
}

/** Starts the JVM of the node whose files are in dataDir (written by writeNodeFiles, formatted). */
export function launchNode (dataDir: string, classpath: string, heapMb: number, log: (msg: string) => void): KafkaNode {
  const jvm = spawnKafka(dataDir, classpath, heapMb, log)
  const started = Date.now()
  let stopping: Promise<void> | undefined
  const node: KafkaNode = {
    pid: jvm.child.pid!,
    started,
    spawned: once(jvm.child, 'spawn').then(() => {}),
    exited: jvm.exited,
    signal: (signal) => { jvm.child.kill(signal) },
    stop: () => (stopping ??= (async () => {
      jvm.child.kill('SIGCONT') // a stopped (SIGSTOP) JVM would not act on SIGTERM
      jvm.child.kill('SIGTERM')
      const timer = setTimeout(() => jvm.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await jvm.exited
      clearTimeout(timer)
    })()),
    async ready (brokers, brokerCount, timeoutMs = READY_TIMEOUT_MS) {
      const failure = await waitUntilReady(brokers, brokerCount, jvm.exited, started, timeoutMs)
      if (!failure) return
      jvm.child.kill('SIGKILL')
      await jvm.exited
      const lastLines = jvm.lastLines.join('\n')
      throw new Error(`Kafka broker on ${brokers} ${failure}. Last log lines (more in ${dataDir}/logs/server.log):\n${lastLines}`)
    }
  }
  return node
}

export const isFormatted = (dataDir: string) => existsSync(join(dataDir, 'data', 'meta.properties'))

/** Formats the node's storage (kafka.tools.StorageTool format, with these arguments). */
export async function format (dataDir: string, classpath: string, log: (msg: string) => void, args: string[]): Promise<void> {
  const started = Date.now()
  const shared = classData(classDataDir, 'format', libsDir)
  await execFileAsync('java', [FAST_START, ...shared.args, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-c', join(dataDir, 'server.properties'), ...args])
    .catch((err: unknown) => { shared.keep(null); throw err })
  shared.keep(0)
  log(`Kafka broker: formatted ${dataDir} in ${Date.now() - started} ms`)
}

/** server.properties and log4j2.properties of a node, and its logs folder. */
export async function writeNodeFiles (dataDir: string, node: NodeSettings): Promise<void> {
  await mkdir(join(dataDir, 'logs'), { recursive: true })
  await writeFile(join(dataDir, 'server.properties'), serverProperties(node, join(dataDir, 'data')))
  await writeFile(join(dataDir, 'log4j2.properties'), LOG4J2_PROPERTIES)
}

function spawnKafka (dataDir: string, classpath: string, heapMb: number, log: (msg: string) => void) {
  const shared = classData(classDataDir, 'broker', libsDir)
  const child = spawn('java', [
    `-Xms${Math.min(256, heapMb)}m`, `-Xmx${heapMb}m`, '-XX:+UseG1GC', FAST_START, ...shared.args, '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dataDir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${join(dataDir, 'logs')}`,
    // Log4j's own shutdown hook would stop logging before Kafka's shutdown hook logs its shutdown.
    '-Dlog4j2.shutdownHookEnabled=false',
    '-cp', classpath, 'kafka.Kafka', join(dataDir, 'server.properties'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] })

  // A Node process that exits (normally or via process.exit) takes its broker with it.
  // (Death by an unhandled signal skips 'exit' handlers: Ctrl+C reaches the JVM through the process group.)
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    process.off('exit', killOnExit)
    shared.keep(code)
    resolve(code)
  }))

  const lastLines: string[] = [] // for the error message when the broker dies during startup
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log(`Kafka broker: ${line}`)
      if (/^\s+(at |\.\.\. \d+ more)/.test(line)) return // stack frames would crowd out the causes
      lastLines.push(line)
      if (lastLines.length > 20) lastLines.shift()
    })
  }
  return { child, exited, lastLines }
}

/**
 * Polls until the broker answers a metadata request listing brokerCount live brokers (in a cluster: every node
 * registered and unfenced); returns why it never will, or undefined once ready.
 */
async function waitUntilReady (brokers: string, brokerCount: number, exited: Promise<number | null>, started: number, timeoutMs: number): Promise<string | undefined> {
  let exitCode: number | null | undefined
  void exited.then((code) => (exitCode = code))
  // Race each probe with the JVM's exit: a probe can hang until its timeout (e.g. on a port someone else holds).
  while (!(await Promise.race([liveBrokers(brokers).then(n => n >= brokerCount), exited.then(() => false)]))) {
    if (exitCode !== undefined) return `exited with code ${exitCode}`
    if (Date.now() - started > timeoutMs) return `was not ready after ${timeoutMs / 1000} s`
    await sleep(200)
  }
  return undefined
}

/**
 * A port nothing listens on, for a broker, a server or a test to bind a moment later. Chosen outside the range the
 * OS hands out itself (listen(0) and every outgoing connection take ports from ip_local_port_range): a port found
 * free there was taken by someone's next connection before a JVM bound it, on a busy machine ("Address already in
 * use"). Each process draws from its own slice (by pid), so parallel test files do not draw the same port.
 */
export async function freePort (): Promise<number> {
  const low = ephemeralLow()
  const first = 10_000
  const slice = Math.max(100, Math.floor((low - first) / 16))
  const base = first + (process.pid % 16) * slice
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = base + randomInt(slice)
    if (port < low && !handedOut.has(port) && await canBind(port)) {
      handedOut.add(port)
      return port
    }
  }
  return await boundBy(0) // every draw taken: let the OS choose
}

const handedOut = new Set<number>()

function ephemeralLow (): number {
  try {
    const low = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'), 10)
    return Number.isInteger(low) && low > 12_000 ? low : 32_768
  } catch { return 32_768 }
}

const canBind = (port: number) => boundBy(port).then(() => true, () => false)

async function boundBy (port: number): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const bound = (server.address() as AddressInfo).port
  server.close()
  await once(server, 'close')
  return bound
}

/** Whether the broker's JVMs, and the format tool's, start from a class-data archive yet (class-data.ts). */
export const brokerClassDataReady = () => hasClassData(classDataDir, 'broker', libsDir) && hasClassData(classDataDir, 'format', libsDir)

export function kafkaClasspath (): string {
  const jars = existsSync(libsDir) ? readdirSync(libsDir) : []
  if (!jars.some((jar) => /^kafka_2\.13-.*\.jar$/.test(jar))) {
    throw new Error(`Kafka jars not found in ${libsDir}: run \`bash scripts/kafka-jars.sh\` first`)
  }
  return join(libsDir, '*') // the JVM expands the wildcard itself
}

// `format --standalone` records this node's CONTROLLER endpoint (host and port) in the metadata log's first
// checkpoint, so a formatted folder keeps its controller port, saved next to it.
async function chooseControllerPort (dataDir: string, wanted: number | undefined): Promise<number> {
  const file = join(dataDir, 'controller.port')
  const saved = await readFile(file, 'utf8').then((text) => Number.parseInt(text, 10), () => undefined)
  const port = wanted ?? saved ?? (await freePort())
  if (port !== saved) await writeFile(file, `${port}\n`)
  return port
}

// Kafka's cluster ids are 16 bytes in base64url; one starting with '-' would read as a command line option.
export function clusterId (): string {
  let id: string
  do id = randomBytes(16).toString('base64url')
  while (id.startsWith('-'))
  return id
}

export interface NodeSettings {
  nodeId: number
  port: number
  controllerPort: number
  /** Every controller of a cluster (controller.quorum.voters); none: this node alone, formatted --standalone. */
  voters?: Array<{ nodeId: number, controllerPort: number }>
  scramPort?: number
}

/** Replicas of the internal topics, and the in-sync replicas a write needs: as production has them, on three nodes or more. */
const internalReplication = (nodes: number) => ({ replicas: Math.min(3, nodes), minInsync: nodes >= 3 ? 2 : 1 })

function serverProperties (node: NodeSettings, logDirs: string): string {
  const listeners = `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}` +
    (node.scramPort ? `,SASL_PLAINTEXT://127.0.0.1:${node.scramPort}` : '')
  const scram = node.scramPort
    ? ['sasl.enabled.mechanisms=SCRAM-SHA-256',
        'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;']
    : []
  const quorum = node.voters
    ? `controller.quorum.voters=${node.voters.map(v => `${v.nodeId}@127.0.0.1:${v.controllerPort}`).join(',')}`
    : `controller.quorum.bootstrap.servers=127.0.0.1:${node.controllerPort}`
  const { replicas, minInsync } = internalReplication(node.voters?.length ?? 1)
  return [
    ...scram,
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    quorum,
    `listeners=${listeners}`,
    `advertised.listeners=${listeners}`, // 127.0.0.1, not localhost: clients must not try ::1
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=3',
    // The internal topics (group offsets, transactions, share groups) replicated as far as the nodes allow;
    // 5 partitions each (not 50) are created faster.
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=5',
    `transaction.state.log.replication.factor=${replicas}`,
    'transaction.state.log.num.partitions=5',
    `transaction.state.log.min.isr=${minInsync}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minInsync}`,
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minInsync}`,
    'group.initial.rebalance.delay.ms=0', // default 3 s before the first group rebalance
    'auto.create.topics.enable=false', // topics are created explicitly, as in production
    '',
  ].join('\n')
}

// Console (piped to opts.log): warnings, plus the "Kafka Server started" line. File: everything at INFO.
const LOG4J2_PROPERTIES = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = STDOUT
rootLogger.appenderRef.console.level = WARN
rootLogger.appenderRef.file.ref = FILE
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
logger.server.additivity = false
logger.server.appenderRef.console.ref = STDOUT
logger.server.appenderRef.file.ref = FILE
`

/** The live brokers a metadata request to this broker lists (0 when it does not answer). */
async function liveBrokers (broker: string): Promise<number> {
  const admin = new Admin({ clientId: 'local-broker-probe', bootstrapBrokers: [broker], retries: 0, connectTimeout: 1000, requestTimeout: 2000 })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return metadata.brokers.size
  } catch {
    return 0
  } finally {
    await admin.close().catch(() => {})
  }
}
