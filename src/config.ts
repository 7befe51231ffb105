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
  /** Readable log lines instead of JSON; unset: readable when stdout is a terminal. */
  logPretty: boolean | undefined
  /** Kafka consumer session timeout, ms: how long a dead member keeps its partitions. */
  kafkaSessionTimeoutMs: number
  /** Outbox relay: fallback poll interval when no NOTIFY arrives, ms. */
  relayPollMs: number
  relayBatchSize: number
  sessionTtlHours: number
  /** Set the cookie's Secure flag (serve behind HTTPS). */
  cookieSecure: boolean
  /** A pending request not answered within this time is cancelled automatically, ms. */
  bookingPendingTtlMs: number
  /** How often the expiry sweeper looks for such requests, ms. */
  expirySweepMs: number
  /** Attempts at a failing event in place, before it moves to the retry topic. */
  handlerAttempts: number
  /** Rounds through the retry topic before the dead-letter topic. */
  retryRounds: number
  /** How long an event waits in the retry topic before its next round, ms. */
  retryDelayMs: number
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

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration: "24h", "30m", "90s", "500ms", "2d", or a number of milliseconds. */
function duration (env: Env, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`${name} must be a positive duration such as 24h, 30m, 90s or 500ms, got "${raw}"`)
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms']
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
    logPretty: env.LOG_PRETTY ? bool(env, 'LOG_PRETTY', false) : undefined,
    kafkaSessionTimeoutMs: int(env, 'KAFKA_SESSION_TIMEOUT_MS', 10_000, 6000, 300_000),
    relayPollMs: int(env, 'RELAY_POLL_MS', 1000, 10),
    relayBatchSize: int(env, 'RELAY_BATCH_SIZE', 500, 1, 10_000),
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 24 * 14, 1),
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    bookingPendingTtlMs: duration(env, 'BOOKING_PENDING_TTL', UNITS.h * 24),
    expirySweepMs: duration(env, 'EXPIRY_SWEEP_INTERVAL', UNITS.m),
    handlerAttempts: int(env, 'HANDLER_ATTEMPTS', 3, 1, 20),
    retryRounds: int(env, 'RETRY_ROUNDS', 3, 0, 20),
    retryDelayMs: duration(env, 'RETRY_DELAY', 10_000)
  }
}
