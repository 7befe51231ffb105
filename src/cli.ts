#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { untilSignal } from './commands/common.ts'
import { ConfigError, describeVariables, loadConfig } from './config.ts'
import { ensureDatabase, migrate } from './db/migrate.ts'
import { checkSchema, SchemaError } from './db/schema-check.ts'
import { DEMO_PASSWORD } from './demo/password.ts'
import { createLogger, wantsPretty } from './log.ts'
import { SCHEMA } from './schema.ts'
import { WORKER_NAMES, type WorkerName } from './workers.ts'

// Each command loads what it runs, when it runs (the services, the seeding, the Kafka client, the mail store): the
// services alone cost about 0.7 s of CPU to load, which hostly migrate, dlq, replay, kafka, mail and --help paid too.
const serve: typeof import('./commands/serve.ts').serve = async (...args) => (await import('./commands/serve.ts')).serve(...args)

const HELP: Record<string, string> = {
  start: `hostly start
  Runs all of Hostly in one process: migrations, the HTTP API, the outbox relay and the consumers
  (owner, traveler, e-mail and analytics services); /metrics is served on METRICS_PORT. Without
  KAFKA_BROKERS it first starts a local Kafka broker (KAFKA_PORT, KAFKA_DATA_DIR) and stops it on exit. Without
  SMTP_URL it catches e-mail in a local SMTP server (MAIL_DEV_PORT, MAIL_DEV_DIR), shown at /dev/mail and by
  hostly mail list. Without UNSUBSCRIBE_KEY it makes one for the process (e-mails' unsubscribe links then
  work until it stops).`,
  api: `hostly api
  Runs the HTTP API alone (on PORT; /healthz, /readyz and /metrics on METRICS_PORT). It writes bookings and
  their outbox events; it never waits for Kafka. Needs CURSOR_KEY, the same on every replica, and
  UNSUBSCRIBE_KEY, the same as the e-mail workers'.
  Like relay and worker, it does not change the schema: it stops with a message unless the database is at its
  version (run hostly migrate first).`,
  relay: `hostly relay
  Runs the outbox relay alone: publishes committed outbox events to Kafka (KAFKA_BROKERS), in order.
  Several may run; one leads at a time (a PostgreSQL advisory lock), the others stand by. It also runs
  the sweeper that cancels pending requests left unanswered for BOOKING_PENDING_TTL, and the retention
  sweeps that delete old outbox rows, processed events, expired sessions and login failures. Serves /healthz,
  /readyz and /metrics on METRICS_PORT. Stops with a
  message unless the database is at its version (run hostly migrate first).`,
  worker: `hostly worker <${WORKER_NAMES.join('|')}>
  Runs one consumer service alone: owner (owner-service-group, on both topics: requests, and the changes
  the owner did not make), traveler (traveler-service-group, on booking-status-updated), email
  (email-service-group, on both, with message-email-group and review-email-group; sends to SMTP_URL; needs UNSUBSCRIBE_KEY, the API's),
  analytics (analytics-service-group, on both: the owners' figures), messages (message-service-group, on message-sent)
  or reviews (review-service-group, on review-published: the reviewed party's inbox and live push). Copies of one
  share its partitions. Serves /healthz, /readyz and /metrics on METRICS_PORT.
  Stops with a message unless the database is at its version (run hostly migrate first).`,
  migrate: `hostly migrate
  Creates the database if it is missing, applies the pending migrations, re-applies the stored functions
  (src/bookings/booking.sql), and exits. With hostly start, the only command that changes the schema.`,
  dlq: `hostly dlq list <topic> [--json]  |  hostly dlq redrive <topic> [--event-id <id>]  |  hostly dlq discard <topic> (--at <partition>:<offset> | --event-id <id>)
  list: the dead letters of <topic> (records in <topic>.dlq), streamed, as a table or with --json as one JSON
  array: where each came from, its group, attempts, status, and the whole error. Without the database it
  still lists them, with status "unknown" where only the database could say whether it was processed since.
  redrive: sends the dead letters not processed since (or the one event) back to their group through the
  retry lane, one copy per event; each is processed once in effect, however often it is redriven. Letters
  without an event id (written by a producer that sets no headers) are never redriven: discard them.
  discard: marks the letter at <partition>:<offset> (the AT column), or every copy of an event, as discarded:
  it stays listed as "discarded" until Kafka's retention removes it, and is never redriven.`,
  replay: `hostly replay --group <group> --topic <topic> (--from-beginning | --from <ISO time> | --offset <n>)
  Moves the group's committed offsets on the topic so that its events are processed again when its
  consumers next start. Refused while the group has live members. Consumers are idempotent: a replay
  adds no second effect.`,
  mail: `hostly mail list [--json]
  The e-mail caught by the local SMTP server of hostly start (when SMTP_URL is unset), newest first:
  date, recipient, subject (MAIL_DEV_DIR). The same messages, rendered, are at /dev/mail.`,
  seed: `hostly seed --demo
  Fills an empty database with a demo: two owners with five places, three travelers, and bookings in every
  state (waiting, accepted, declined, withdrawn, cancelled, dates taken, expired), made through the booking
  functions the API uses, so their events flow to the services as any others. Signs in as any of them with
  the password ${DEMO_PASSWORD} (the README says who). Does nothing when the demo is there already; refused
  (exit 1) when the database has users of its own. Needs a migrated database (hostly start or hostly migrate).`,
  kafka: `hostly kafka [--port <n>] [--data-dir <dir>] [--nodes <n>]
  Runs a local Kafka broker (KRaft) in the foreground until SIGTERM or SIGINT. Formats the folder on first
  use and reuses it afterwards. Defaults: KAFKA_PORT (9092), KAFKA_DATA_DIR (.data/kafka), 1 node.
  --nodes 3: a cluster of three nodes, each a broker and a controller, on the ports from --port up
  (9092, 9093, 9094), each in its own folder (<dir>/node-1 ...). Hostly's topics get three replicas there
  and min.insync.replicas 2, as in production; give the clients KAFKA_BROKERS as printed.`
}

const USAGE = `Usage: hostly <command> [options]

Commands:
${Object.values(HELP).map(h => '  ' + h.split('\n')[0]).join('\n')}

Run "hostly <command> --help" for what a command does.
Logs are JSON lines, or readable lines at a terminal; --pretty (or LOG_PRETTY=true/false) decides otherwise.

Configuration is by environment (README.md says more):
${describeVariables()}`

async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        pretty: { type: 'boolean' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        nodes: { type: 'string' },
        json: { type: 'boolean' },
        'event-id': { type: 'string' },
        at: { type: 'string' },
        group: { type: 'string' },
        topic: { type: 'string' },
        'from-beginning': { type: 'boolean' },
        from: { type: 'string' },
        offset: { type: 'string' },
        demo: { type: 'boolean' }
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
  // Every Kafka client of every command authenticates as configured. The Kafka client (tens of MiB) is loaded only by
  // the commands that use it: never by hostly api, migrate, seed or mail.
  if (!['api', 'migrate', 'seed', 'mail'].includes(command)) (await import('./kafka/client/clients.ts')).useKafkaSecurity(config)
  const log = createLogger(config.logLevel, 'hostly', wantsPretty(values.pretty, config.logPretty))

  switch (command) {
    case 'migrate': {
      await ensureDatabase(config.databaseUrl)
      const { applied, functions } = await migrate(config.databaseUrl, SCHEMA)
      log.info({ applied, functions }, applied.length ? 'migrations applied' : 'database up to date')
      return 0
    }
    case 'kafka': {
      const port = values.port ? Number(values.port) : config.kafkaPort
      const nodes = values.nodes ? Number(values.nodes) : 1
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new ConfigError(`--nodes must be a number of nodes from 1 to 9, got "${values.nodes}"`)
      if (!Number.isInteger(port) || port < 1 || port + nodes - 1 > 65535) throw new ConfigError(`--port must be a port number, got "${values.port}"`)
      const dataDir = resolve(values['data-dir'] ?? config.kafkaDataDir)
      const { startLocalBroker } = await import('./kafka/local/broker.ts')
      const { startLocalCluster } = await import('./kafka/local/cluster.ts')
      // Listened for before the JVMs start, as serve() does: a signal while they start stops them once started,
      // instead of ending this process and leaving them running.
      const signalled = untilSignal()
      const kafka = nodes === 1
        ? await startLocalBroker({ port, dataDir, log: m => log.info(m) })
        : await startLocalCluster({ ports: Array.from({ length: nodes }, (_, i) => port + i), dataDir, log: m => log.info(m), nodeLog: m => log.debug(m) })
      log.info({ brokers: kafka.brokers }, nodes === 1 ? 'Kafka broker ready' : `Kafka cluster ready: KAFKA_BROKERS=${kafka.brokers}`)
      await signalled
      await kafka.stop()
      return 0
    }
    case 'dlq': return (await import('./commands/dlq.ts')).deadLetters(config, rest, values, HELP.dlq.split('\n')[0])
    case 'replay': return (await import('./commands/replay.ts')).replayGroup(config, values, HELP.replay.split('\n')[0])
    case 'worker': {
      const name = rest[0] as WorkerName
      if (!WORKER_NAMES.includes(name)) throw new ConfigError(`hostly worker needs one of: ${WORKER_NAMES.join(', ')}`)
      if (name === 'email' && !config.unsubscribeKey) throw new ConfigError("UNSUBSCRIBE_KEY is required by hostly worker email: it signs the e-mails' unsubscribe links with it (32 characters or more, the API's key)")
      return serve(config, { workers: [name], operationsPort: true }, log)
    }
    case 'api':
      // Replicas behind one load balancer read each other's cursors: they need one key.
      if (!config.cursorKey) throw new ConfigError('CURSOR_KEY is required by hostly api: every API replica signs list cursors with it (32 characters or more)')
      if (!config.unsubscribeKey) throw new ConfigError("UNSUBSCRIBE_KEY is required by hostly api: it checks the e-mails' unsubscribe links with it (32 characters or more, the e-mail worker's key)")
      return serve(config, { api: true, operationsPort: true }, log)
    case 'relay': return serve(config, { relay: true, sweeper: true, operationsPort: true }, log)
    case 'start': return serve(config, { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler', 'messages', 'reviews', 'email', 'analytics'], operationsPort: true }, log, { startBroker: true, migrate: true, devMail: true })
    case 'seed': {
      if (!values.demo) throw new ConfigError(HELP.seed.split('\n')[0])
      await checkSchema(config.databaseUrl, SCHEMA)
      return (await import('./commands/seed.ts')).seed(config.databaseUrl)
    }
    case 'mail': {
      if (rest[0] !== 'list') throw new ConfigError(HELP.mail.split('\n')[0])
      const caught = await (await import('./email/dev-store.ts')).listMessages(resolve(config.mailDevDir))
      for (const m of caught) console.log(values.json ? JSON.stringify(m) : `${m.date}  ${m.to}  ${m.subject}`)
      if (!values.json && caught.length === 0) console.log(`No e-mail caught yet (in ${config.mailDevDir}).`)
      return 0
    }
  }
  return 1
}

main(process.argv.slice(2)).then(code => process.exit(code), (err: Error) => {
  // A usage or configuration error, or a database at another version: a message for a person, not a stack trace.
  console.error(err instanceof ConfigError || err instanceof SchemaError ? `hostly: ${err.message}` : err)
  process.exit(err instanceof ConfigError ? 2 : 1)
})
