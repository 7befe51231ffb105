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
  /** retention.ms of every Hostly topic (events, retry lanes, dead letters), set when the topics are ensured. */
  kafkaTopicRetentionMs: number
  /** Published outbox rows are deleted this long after publishing, ms. */
  outboxRetentionMs: number
  /** processed_events rows are deleted this long after processing, ms; never before Kafka can drop the event. */
  processedEventsRetentionMs: number
  /** login_failures rows are deleted this long after the failure, ms. */
  loginFailuresRetentionMs: number
  /** How often the retention sweeper deletes old rows, ms. */
  retentionSweepMs: number
}

export class ConfigError extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** segment.ms of our topics: Kafka deletes a record only with its whole segment, so segments roll daily at most. */
export const topicSegmentMs = (retentionMs: number) => Math.min(retentionMs, UNITS.d)

/**
 * How long a record can stay readable in a topic with this retention: its segment is deleted once the segment's
 * newest record is retention.ms old (up to segment.ms after our record), plus an hour for the broker's
 * retention check (every 5 minutes by default) and file deletion delay.
 */
export const topicRecordLifetimeMs = (retentionMs: number) => retentionMs + topicSegmentMs(retentionMs) + UNITS.h

/** The sign-in rate limit counts failures over 15 minutes (src/auth/users.ts): they are kept at least that long. */
const LOGIN_FAILURE_WINDOW_MS = 15 * UNITS.m

type Env = Record<string, string | undefined>

function int (env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return Number(raw)
}

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
  const kafkaTopicRetentionMs = duration(env, 'KAFKA_TOPIC_RETENTION', 7 * UNITS.d)
  // A processed_events row must outlive every copy of its event in Kafka (topic, retry lane, dead letters), or a
  // replay or redrive would find no record of it and apply the event a second time.
  const processedEventsRetentionMs = duration(env, 'PROCESSED_EVENTS_RETENTION', 14 * UNITS.d)
  if (processedEventsRetentionMs < topicRecordLifetimeMs(kafkaTopicRetentionMs)) {
    throw new ConfigError(`PROCESSED_EVENTS_RETENTION must be at least ${formatDuration(topicRecordLifetimeMs(kafkaTopicRetentionMs))} ` +
      '(KAFKA_TOPIC_RETENTION, plus a segment and an hour: how long Kafka may still deliver an event), ' +
      `got "${env.PROCESSED_EVENTS_RETENTION}"`)
  }
  const loginFailuresRetentionMs = duration(env, 'LOGIN_FAILURES_RETENTION', UNITS.d)
  if (loginFailuresRetentionMs < LOGIN_FAILURE_WINDOW_MS) {
    throw new ConfigError(`LOGIN_FAILURES_RETENTION must be at least 15m (the sign-in limit's window), got "${env.LOGIN_FAILURES_RETENTION}"`)
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
    kafkaTopicRetentionMs,
    outboxRetentionMs: duration(env, 'OUTBOX_RETENTION', 7 * UNITS.d),
    processedEventsRetentionMs,
    loginFailuresRetentionMs,
    retentionSweepMs: duration(env, 'RETENTION_SWEEP_INTERVAL', 10 * UNITS.m)
  }
}

/** 194400000 -> "2d6h": the largest units that add up exactly. */
function formatDuration (ms: number): string {
  const parts: string[] = []
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const n = Math.floor(ms / UNITS[unit])
    if (n > 0) parts.push(`${n}${unit}`)
    ms -= n * UNITS[unit]
  }
  return parts.join('') || '0ms'
}
