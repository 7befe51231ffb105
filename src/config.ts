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
  /** The web app's origin (scheme://host[:port]); unset: the request's own host. WebSocket upgrades from others are refused. */
  appOrigin: string | undefined
  /** Where the web app is, for links in e-mails. */
  appUrl: string
  /** Live sockets: ping interval, ms; a socket that has not answered the previous ping is closed. */
  livePingMs: number
  /** Open live sockets per user on one API process. */
  liveMaxSocketsPerUser: number
  /** A live socket with more than this many bytes waiting to be sent is closed (1013): a reader too slow. */
  liveMaxBufferedBytes: number
  /** How often each API process checks that its sockets' sessions still exist (logout, expiry), ms. */
  liveSessionCheckMs: number
  /** SMTP server for e-mail (smtp:// or smtps://, user:password@ for auth); unset: hostly start catches mail locally. */
  smtpUrl: string | undefined
  /** The From of every e-mail. */
  mailFrom: string
  /** Port of the local catch-all SMTP server of hostly start when SMTP_URL is unset. */
  mailDevPort: number
  /** Folder where that server keeps the caught messages (hostly mail list, /dev/mail). */
  mailDevDir: string
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

/** An optional URL whose scheme is one of `schemes`. */
function url (env: Env, name: string, schemes: string[]): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`)
  }
  if (!schemes.includes(parsed.protocol.slice(0, -1))) throw new ConfigError(`${name} must be a ${schemes.join(':// or ')}:// URL, got "${raw}"`)
  return raw
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
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    bookingPendingTtlMs: duration(env, 'BOOKING_PENDING_TTL', UNITS.h * 24),
    expirySweepMs: duration(env, 'EXPIRY_SWEEP_INTERVAL', UNITS.m),
    handlerAttempts: int(env, 'HANDLER_ATTEMPTS', 3, 1, 20),
    retryRounds: int(env, 'RETRY_ROUNDS', 3, 0, 20),
    retryDelayMs: duration(env, 'RETRY_DELAY', 10_000),
    appOrigin: url(env, 'APP_ORIGIN', ['http', 'https'])?.replace(/\/$/, ''),
    appUrl: (url(env, 'APP_URL', ['http', 'https']) ?? `http://localhost:${int(env, 'PORT', 3000, 0, 65535)}`).replace(/\/$/, ''),
    livePingMs: duration(env, 'LIVE_PING_INTERVAL', 30_000),
    liveMaxSocketsPerUser: int(env, 'LIVE_MAX_SOCKETS_PER_USER', 10, 1, 10_000),
    liveMaxBufferedBytes: int(env, 'LIVE_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
    liveSessionCheckMs: duration(env, 'LIVE_SESSION_CHECK', 10_000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp', 'smtps']),
    mailFrom: env.MAIL_FROM || 'Hostly <no-reply@hostly.localhost>',
    mailDevPort: int(env, 'MAIL_DEV_PORT', 1025, 0, 65535),
    mailDevDir: env.MAIL_DEV_DIR || '.data/mail'
  }
}
