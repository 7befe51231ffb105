import { readFileSync } from 'node:fs'
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
  /** Fastify's trustProxy: false, true, a hop count, or proxy addresses/CIDRs whose X-Forwarded-For is believed. */
  trustProxy: boolean | number | string[]
  /** Origins allowed to make state-changing requests; empty means the request's own Host. */
  appOrigins: string[]
  /** Serve the OpenAPI viewer at /docs. */
  docsEnabled: boolean
  /** Time to receive a whole request, ms. */
  requestTimeoutMs: number
  /** Time to receive a request's headers, ms (from the connection, or from the previous response). */
  headersTimeoutMs: number
  /** Socket inactivity before it is closed, ms. */
  connectionTimeoutMs: number
  /** Idle keep-alive socket lifetime between two requests, ms. */
  keepAliveTimeoutMs: number
  /** Requests served on one socket before it is closed (0: no limit). */
  maxRequestsPerSocket: number
  /** Open connections the HTTP server accepts at once. */
  maxConnections: number
  /** Password hashes computed at once, and waiting; beyond both, 503 with Retry-After. */
  hashConcurrency: number
  hashQueue: number
  /** Failed sign-ins within the window: per account and client address, per client address, per account from all addresses. */
  loginMaxPerAccountClient: number
  loginMaxPerClient: number
  loginMaxPerAccount: number
  loginWindowMs: number
  /** Registrations per client address within the window. */
  registerMaxPerClient: number
  registerWindowMs: number
  /** How far ahead a stay may start, in days. */
  bookingMaxAdvanceDays: number
  /** Pending requests one traveler may have at once. */
  maxPendingPerTraveler: number
  /** SASL for the Kafka clients; undefined means none. */
  kafkaSasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string }
  /** TLS to the brokers; undefined means plaintext. */
  kafkaTls?: { ca?: string, cert?: string, key?: string, rejectUnauthorized: boolean }
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

/** TRUST_PROXY: true/false, a hop count, or a comma-separated list of proxy addresses or CIDRs. */
function trustProxy (env: Env): boolean | number | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim()
  if (raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const a of list) {
    if (!/^[\d.:a-fA-F]+(\/\d{1,3})?$/.test(a) && !['loopback', 'linklocal', 'uniquelocal'].includes(a)) {
      throw new ConfigError(`TRUST_PROXY: "${a}" is not an address, a CIDR, loopback, linklocal or uniquelocal`)
    }
  }
  return list
}

function origins (env: Env): string[] {
  const list = (env.APP_ORIGIN ?? '').split(',').map(s => s.trim()).filter(Boolean)
  for (const o of list) {
    let u: URL | undefined
    try { u = new URL(o) } catch {}
    if (!u || !/^https?:$/.test(u.protocol) || u.origin !== o) {
      throw new ConfigError(`APP_ORIGIN: "${o}" is not an origin such as https://hostly.example`)
    }
  }
  return list
}

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

function kafkaSasl (env: Env): Config['kafkaSasl'] {
  const mechanism = env.KAFKA_SASL_MECHANISM
  if (!mechanism) return undefined
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got "${mechanism}"`)
  }
  if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
    throw new ConfigError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM')
  }
  return { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }
}

function kafkaTls (env: Env): Config['kafkaTls'] {
  if (!bool(env, 'KAFKA_TLS', false)) return undefined
  const file = (name: string) => {
    const path = env[name]
    if (!path) return undefined
    try { return readFileSync(path, 'utf8') } catch { throw new ConfigError(`${name}: cannot read "${path}"`) }
  }
  return { ca: file('KAFKA_TLS_CA_FILE'), cert: file('KAFKA_TLS_CERT_FILE'), key: file('KAFKA_TLS_KEY_FILE'), rejectUnauthorized: bool(env, 'KAFKA_TLS_REJECT_UNAUTHORIZED', true) }
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
    trustProxy: trustProxy(env),
    appOrigins: origins(env),
    docsEnabled: bool(env, 'DOCS_ENABLED', true),
    requestTimeoutMs: duration(env, 'REQUEST_TIMEOUT', 30_000),
    headersTimeoutMs: duration(env, 'HEADERS_TIMEOUT', 10_000),
    connectionTimeoutMs: duration(env, 'CONNECTION_TIMEOUT', 75_000),
    keepAliveTimeoutMs: duration(env, 'KEEP_ALIVE_TIMEOUT', 72_000),
    maxRequestsPerSocket: int(env, 'MAX_REQUESTS_PER_SOCKET', 1000),
    maxConnections: int(env, 'MAX_CONNECTIONS', 10_000, 1),
    hashConcurrency: int(env, 'HASH_CONCURRENCY', 4, 1, 256),
    hashQueue: int(env, 'HASH_QUEUE', 32, 0, 10_000),
    loginMaxPerAccountClient: int(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT', 10, 1),
    loginMaxPerClient: int(env, 'LOGIN_MAX_FAILURES_PER_CLIENT', 20, 1),
    loginMaxPerAccount: int(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 100, 1),
    loginWindowMs: duration(env, 'LOGIN_THROTTLE_WINDOW', 15 * UNITS.m),
    registerMaxPerClient: int(env, 'REGISTER_MAX_PER_CLIENT', 10, 1),
    registerWindowMs: duration(env, 'REGISTER_THROTTLE_WINDOW', UNITS.h),
    bookingMaxAdvanceDays: Math.floor(duration(env, 'BOOKING_MAX_ADVANCE', 730 * UNITS.d) / UNITS.d),
    maxPendingPerTraveler: int(env, 'MAX_PENDING_PER_TRAVELER', 10, 1),
    kafkaSasl: kafkaSasl(env),
    kafkaTls: kafkaTls(env)
  }
}
