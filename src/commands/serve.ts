import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { ensureDatabase, migrate } from '../db/migrate.ts'
import { checkSchemaWhenReachable } from '../db/schema-check.ts'
import type { DevMailServer } from '../email/dev-server.ts'
import type { LocalBroker } from '../kafka/local/broker.ts'
import { SCHEMA } from '../schema.ts'
import { startPieces, type Pieces } from '../services.ts'
import { kafkaBrokers, untilSignal } from './common.ts'

export interface ServeOptions {
  /** Without KAFKA_BROKERS, start a local broker (hostly start). */
  startBroker?: boolean
  /** Create the database and migrate it (hostly start); otherwise check that it is at this version, and stop if not. */
  migrate?: boolean
  /** Without SMTP_URL, run a local catch-all SMTP server for the e-mail service, shown at /dev/mail (hostly start). */
  devMail?: boolean
}

/** Who can reach an address the API listens on: the printed URL is always a loopback one. */
function reach (host: string): string {
  if (host === '0.0.0.0' || host === '::') return `every network interface, HOST=${host}; HOST=127.0.0.1 keeps it to this machine`
  if (/^(127\.|::1$|localhost$)/.test(host)) return `this machine only, HOST=${host}`
  return `HOST=${host}`
}

/** Runs pieces until SIGTERM/SIGINT, then stops them cleanly (and the local broker it started, if any). */
export async function serve (config: Config, pieces: Pieces, log: Logger, opts: ServeOptions = {}): Promise<number> {
  // Before anything starts: a process that cannot run on this database says so at once.
  if (!opts.migrate) await checkSchemaWhenReachable(config.databaseUrl, SCHEMA, log)
  const needsKafka = pieces.relay || (pieces.workers?.length ?? 0) > 0
  let broker: LocalBroker | undefined
  if (needsKafka && config.kafkaBrokers.length === 0) {
    if (!opts.startBroker) kafkaBrokers(config) // throws: the pieces need KAFKA_BROKERS
    log.info({ port: config.kafkaPort, dataDir: config.kafkaDataDir }, 'Kafka: starting a local broker')
    broker = await (await import('../kafka/local/broker.ts')).startLocalBroker({ port: config.kafkaPort, dataDir: resolve(config.kafkaDataDir), log: m => log.debug(m) })
    config = { ...config, kafkaBrokers: [broker.brokers] }
    log.info({ brokers: broker.brokers }, 'Kafka: local broker ready')
  }
  let mail: DevMailServer | undefined
  try {
    if (opts.devMail && !config.smtpUrl) {
      const dir = resolve(config.mailDevDir)
      mail = await (await import('../email/dev-server.ts')).startDevMailServer(config.mailDevPort, dir, log)
      config = { ...config, smtpUrl: mail.url }
      pieces = { ...pieces, devMailDir: dir }
      log.info({ smtp: mail.url, dir }, 'mail: no SMTP_URL, catching e-mail locally')
    }
    if (opts.migrate) {
      await ensureDatabase(config.databaseUrl)
      await migrate(config.databaseUrl, SCHEMA)
    }
    // Listened for before the pieces start, not after they say they are up: a signal sent on reading "Hostly
    // listening" could otherwise arrive first (a process descheduled between the two, at load 30) and kill the
    // process unstopped. One received while they start stops them once they have.
    const signalled = untilSignal()
    const running = await startPieces(config, pieces, log)
    if (running.url) console.log(`Hostly listening on ${running.url} (${reach(config.host)}; API docs: ${running.url}/docs)`)
    if (running.url && mail) console.log(`E-mail is caught locally (no SMTP_URL): ${running.url}/dev/mail, served to this machine only, or hostly mail list`)
    await signalled
    log.info('shutting down')
    const deadline = setTimeout(() => {
      log.error({ unfinished: running.unfinished() }, 'shutdown took over 10 s, exiting')
      process.exit(1)
    }, 10_000)
    await running.stop()
    clearTimeout(deadline)
  } finally {
    await mail?.stop()
    await broker?.stop()
  }
  return 0
}
