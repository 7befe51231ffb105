#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { ensureDatabase, migrate } from './db/migrate.ts'
import { startLocalBroker, type LocalBroker } from './kafka/local-broker.ts'
import { createPool } from './db/pool.ts'
import { listDeadLetters, redrive } from './kafka/dlq.ts'
import { H } from './kafka/failures.ts'
import { replay, ReplayRefused, type ReplayFrom } from './kafka/replay.ts'
import { createLogger } from './log.ts'
import { table } from './table.ts'
import { services, type ServiceName } from './notifications/consumers.ts'
import { startPieces, type Pieces } from './services.ts'

const HELP: Record<string, string> = {
  start: `hostly start
  Runs all of Hostly in one process: migrations, the HTTP API, the outbox relay and both consumers
  (owner and traveler services). Without KAFKA_BROKERS it first starts a local Kafka broker
  (KAFKA_PORT, KAFKA_DATA_DIR) and stops it on exit.`,
  api: `hostly api
  Runs the HTTP API alone (on PORT). It writes bookings and their outbox events; it never waits for Kafka.`,
  relay: `hostly relay
  Runs the outbox relay alone: publishes committed outbox events to Kafka (KAFKA_BROKERS), in order.
  Several may run; one leads at a time (a PostgreSQL advisory lock), the others stand by.`,
  worker: `hostly worker <${Object.keys(services).join('|')}>
  Runs one consumer service alone: owner (owner-service-group, on booking-created) or
  traveler (traveler-service-group, on booking-status-updated). Copies of one share its partitions.`,
  migrate: `hostly migrate
  Creates the database if it is missing, applies the pending migrations, and exits.`,
  dlq: `hostly dlq list <topic> [--json]  |  hostly dlq redrive <topic> [--event-id <id>]
  list: the dead letters of <topic> (records in <topic>.dlq) as a table, or as JSON lines with --json:
  where each came from, its group, error, attempts, and whether the group has processed it since.
  redrive: sends the dead letters not processed since (or the one event) back to their group through the
  retry lane; each is processed once in effect, however often it is redriven.`,
  replay: `hostly replay --group <group> --topic <topic> (--from-beginning | --from <ISO time> | --offset <n>)
  Moves the group's committed offsets on the topic so that its events are processed again when its
  consumers next start. Refused while the group has live members. Consumers are idempotent: a replay
  adds no second effect.`,
  kafka: `hostly kafka [--port <n>] [--data-dir <dir>]
  Runs a local single-node Kafka broker (KRaft) in the foreground until SIGTERM or SIGINT.
  Formats the folder on first use and reuses it afterwards. Defaults: KAFKA_PORT (9092), KAFKA_DATA_DIR (.data/kafka).`
}

const USAGE = `Usage: hostly <command> [options]

Commands:
${Object.values(HELP).map(h => '  ' + h.split('\n')[0]).join('\n')}

Run "hostly <command> --help" for what a command does. Configuration is by environment (see README.md).`

async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        'event-id': { type: 'string' },
        group: { type: 'string' },
        topic: { type: 'string' },
        'from-beginning': { type: 'boolean' },
        from: { type: 'string' },
        offset: { type: 'string' }
      }
    })
  } catch (err) { // an unknown option or a missing value: a usage error, not a crash
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`)
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (!command) {
    console.log(USAGE)
    return values.help ? 0 : 1
  }
  if (!HELP[command]) {
    console.error(`hostly: unknown command "${command}"\n\n${USAGE}`)
    return 1
  }
  if (values.help) {
    console.log(HELP[command])
    return 0
  }
  const config = loadConfig()
  const log = createLogger(config.logLevel)

  switch (command) {
    case 'migrate': {
      await ensureDatabase(config.databaseUrl)
      const applied = await migrate(config.databaseUrl)
      log.info({ applied }, applied.length ? 'migrations applied' : 'database up to date')
      return 0
    }
    case 'kafka': {
      const port = values.port ? Number(values.port) : config.kafkaPort
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--port must be a port number, got "${values.port}"`)
      const broker = await startLocalBroker({ port, dataDir: resolve(values['data-dir'] ?? config.kafkaDataDir), log: m => log.info(m) })
      log.info({ brokers: broker.brokers }, 'Kafka broker ready')
      await untilSignal()
      await broker.stop()
      return 0
    }
    case 'dlq': return deadLetters(config, rest, values)
    case 'replay': return replayGroup(config, values)
    case 'worker': {
      const name = rest[0] as ServiceName
      if (!services[name]) throw new ConfigError(`hostly worker needs one of: ${Object.keys(services).join(', ')}`)
      return serve(config, { workers: [name] }, log, false)
    }
    case 'api': return serve(config, { api: true }, log, false)
    case 'relay': return serve(config, { relay: true, sweeper: true }, log, false)
    case 'start': return serve(config, { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler'] }, log, true)
  }
  return 1
}

type Values = Record<string, string | boolean | undefined>

function kafkaBrokers (config: Config): string[] {
  if (config.kafkaBrokers.length === 0) throw new ConfigError('KAFKA_BROKERS is required (host:port, comma-separated)')
  return config.kafkaBrokers
}

async function deadLetters (config: Config, [action, topic]: string[], values: Values): Promise<number> {
  if (!['list', 'redrive'].includes(action) || !topic) throw new ConfigError(`usage: ${HELP.dlq.split('\n')[0]}`)
  const pool = createPool(config.databaseUrl, 1)
  try {
    if (action === 'redrive') {
      const sent = await redrive(kafkaBrokers(config), pool, topic, values['event-id'] as string | undefined)
      console.log(`redrove ${sent.length} dead letter${sent.length === 1 ? '' : 's'} of ${topic}` +
        (sent.length ? `: ${sent.map(l => l.eventId ?? `${l.partition}:${l.offset}`).join(', ')}` : ''))
      return 0
    }
    const letters = await listDeadLetters(kafkaBrokers(config), pool, topic)
    if (values.json) {
      for (const l of letters) console.log(JSON.stringify({ ...l, offset: String(l.offset) }))
      return 0
    }
    console.log(letters.length === 0 ? `no dead letters in ${topic}.dlq` : table(
      ['AT', 'EVENT ID', 'KEY', 'FROM', 'GROUP', 'ERROR', 'ATTEMPTS', 'FAILED AT', 'STATUS'],
      letters.map(l => [
        `${l.partition}:${l.offset}`, l.eventId ?? '-', l.key ?? '-',
        `${l.headers[H.originalTopic]}[${l.headers[H.originalPartition]}]@${l.headers[H.originalOffset]}`,
        l.group, `${l.headers[H.errorClass]}: ${(l.headers[H.errorMessage] ?? '').slice(0, 60)}`,
        l.headers[H.attempts] ?? '0', l.headers[H.failedAt] ?? '-', l.processed ? 'processed since' : 'waiting'
      ])))
    return 0
  } finally {
    await pool.end()
  }
}

async function replayGroup (config: Config, values: Values): Promise<number> {
  const { group, topic, from, offset } = values as Record<string, string | undefined>
  const starts = [values['from-beginning'], from, offset].filter(v => v !== undefined)
  if (!group || !topic || starts.length !== 1) throw new ConfigError(`usage: ${HELP.replay.split('\n')[0]}`)
  let position: ReplayFrom
  if (values['from-beginning']) position = { beginning: true }
  else if (from !== undefined) {
    const time = new Date(from)
    if (!/^\d{4}-\d{2}-\d{2}/.test(from) || Number.isNaN(time.getTime())) throw new ConfigError(`--from must be an ISO time, got "${from}"`)
    position = { time }
  } else {
    if (!/^\d+$/.test(offset!)) throw new ConfigError(`--offset must be a non-negative integer, got "${offset}"`)
    position = { offset: BigInt(offset!) }
  }
  try {
    const moves = await replay(kafkaBrokers(config), group, topic, position)
    console.log(table(['PARTITION', 'FROM', 'TO'], moves.map(m => [String(m.partition), m.from < 0n ? '-' : String(m.from), String(m.to)])))
    console.log(`group ${group} will process ${topic} again from there when its consumers start`)
    return 0
  } catch (err) {
    if (err instanceof ReplayRefused) {
      console.error(`hostly replay: refused: ${err.message}`)
      return 3
    }
    throw err
  }
}

/** Runs pieces until SIGTERM/SIGINT, then stops them cleanly (and the local broker it started, if any). */
async function serve (config: Config, pieces: Pieces, log: ReturnType<typeof createLogger>, mayStartBroker: boolean): Promise<number> {
  const needsKafka = pieces.relay || (pieces.workers?.length ?? 0) > 0
  let broker: LocalBroker | undefined
  if (needsKafka && config.kafkaBrokers.length === 0) {
    if (!mayStartBroker) throw new ConfigError('KAFKA_BROKERS is required (host:port, comma-separated)')
    log.info({ port: config.kafkaPort, dataDir: config.kafkaDataDir }, 'Kafka: starting a local broker')
    broker = await startLocalBroker({ port: config.kafkaPort, dataDir: resolve(config.kafkaDataDir), log: m => log.debug(m) })
    config = { ...config, kafkaBrokers: [broker.brokers] }
    log.info({ brokers: broker.brokers }, 'Kafka: local broker ready')
  }
  try {
    await ensureDatabase(config.databaseUrl)
    await migrate(config.databaseUrl)
    const running = await startPieces(config, pieces, log)
    if (running.url) console.log(`Hostly listening on ${running.url} (API docs: ${running.url}/docs)`)
    await untilSignal()
    log.info('shutting down')
    const deadline = setTimeout(() => { log.error('shutdown took over 10 s, exiting'); process.exit(1) }, 10_000)
    await running.stop()
    clearTimeout(deadline)
  } finally {
    await broker?.stop()
  }
  return 0
}

function untilSignal (): Promise<NodeJS.Signals> {
  // The listeners stay: a second signal must not kill the process mid-shutdown (Ctrl+C under bin/hostly.js
  // arrives twice, from the terminal and from the launcher). The shutdown deadline bounds the wait.
  return new Promise(resolve => {
    process.on('SIGINT', resolve)
    process.on('SIGTERM', resolve)
  })
}

main(process.argv.slice(2)).then(code => process.exit(code), (err: Error) => {
  console.error(err instanceof ConfigError ? `hostly: ${err.message}` : err)
  process.exit(err instanceof ConfigError ? 2 : 1)
})
