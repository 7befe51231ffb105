// Configuration comes from the environment only, read and validated once at start.
// A bad value stops the process with a message that names the variable.

export interface Config {
  port: number
  host: string
  databaseUrl: string
  /** Brokers to use; empty means "start a local broker" (hostly start only). */
  kafkaBrokers: string[]
  kafkaDataDir: string
  kafkaPort: number
  logLevel: string
  /** Kafka consumer session timeout, ms: how long a dead member keeps its partitions. */
  kafkaSessionTimeoutMs: number
  /** Outbox relay: fallback poll interval when no NOTIFY arrives, ms. */
  relayPollMs: number
  relayBatchSize: number
  sessionTtlHours: number
  /** Set the cookie's Secure flag (serve behind HTTPS). */
  cookieSecure: boolean
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

function int (env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return Number(raw)
}

function bool (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

function brokers (env: Env): string[] {
  // KAFKA_BROKER is the seed's name for a single broker; KAFKA_BROKERS wins when both are set.
  const raw = env.KAFKA_BROKERS || env.KAFKA_BROKER || ''
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const b of list) {
    if (!/^[\w.-]+:\d{1,5}$/.test(b)) throw new ConfigError(`KAFKA_BROKERS: "${b}" is not host:port`)
  }
  return list
}

export function loadConfig (env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/hostly'
  try {
    const u = new URL(databaseUrl)
    if (!u.protocol.startsWith('postgres')) throw new Error()
  } catch {
    throw new ConfigError(`DATABASE_URL must be a postgres:// URL, got "${databaseUrl}"`)
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    kafkaBrokers: brokers(env),
    kafkaDataDir: env.KAFKA_DATA_DIR || '.data/kafka',
    kafkaPort: int(env, 'KAFKA_PORT', 9092, 1, 65535),
    logLevel: env.LOG_LEVEL || 'info',
    kafkaSessionTimeoutMs: int(env, 'KAFKA_SESSION_TIMEOUT_MS', 10_000, 6000, 300_000),
    relayPollMs: int(env, 'RELAY_POLL_MS', 1000, 10),
    relayBatchSize: int(env, 'RELAY_BATCH_SIZE', 500, 1, 10_000),
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 24 * 14, 1),
    cookieSecure: bool(env, 'COOKIE_SECURE', false)
  }
}
