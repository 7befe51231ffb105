import { ConfigError, type Config } from '../config.ts'

export type Values = Record<string, string | boolean | undefined>

export function kafkaBrokers (config: Config): string[] {
  if (config.kafkaBrokers.length === 0) throw new ConfigError('KAFKA_BROKERS is required (host:port, comma-separated)')
  return config.kafkaBrokers
}

export function untilSignal (): Promise<NodeJS.Signals> {
  // The listeners stay: a second signal must not kill the process mid-shutdown (Ctrl+C under bin/hostly.js
  // arrives twice, from the terminal and from the launcher). The shutdown deadline bounds the wait.
  return new Promise(resolve => {
    process.on('SIGINT', resolve)
    process.on('SIGTERM', resolve)
  })
}
