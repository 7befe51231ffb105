import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { ensureDatabase, migrate } from '../db/migrate.ts'
import { startLocalBroker, type LocalBroker } from '../kafka/local-broker.ts'
import { startPieces, type Pieces } from '../services.ts'
import { kafkaBrokers, untilSignal } from './common.ts'

/** Runs pieces until SIGTERM/SIGINT, then stops them cleanly (and the local broker it started, if any). */
export async function serve (config: Config, pieces: Pieces, log: Logger, mayStartBroker: boolean): Promise<number> {
  const needsKafka = pieces.relay || (pieces.workers?.length ?? 0) > 0
  let broker: LocalBroker | undefined
  if (needsKafka && config.kafkaBrokers.length === 0) {
    if (!mayStartBroker) kafkaBrokers(config) // throws: the pieces need KAFKA_BROKERS
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
