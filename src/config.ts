import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
// Configuration comes from the environment only, read and validated once at start.
// A bad value stops the process with a message that names the variable.
// VARIABLES below is the one list of the variables: their defaults, parsers and meanings. `hostly --help`
// prints it, the tests' process helpers clear it from the environment they pass on, and a test checks that
// README.md's configuration table lists exactly these variables with these defaults.

/** The settings of the table below, one variable each. */
export interface Settings {
  port: number
  host: string
  databaseUrl: string
  /** Brokers to use; empty means "start a local broker" (hostly start only). */
  kafkaBrokers: string[]
  kafkaDataDir: string
  /** Prepended to every topic and consumer group Hostly names in Kafka; '' for none. */
  kafkaPrefix: string
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
  /** The proxies (addresses, CIDRs, named ranges) whose X-Forwarded-For is believed; empty: none, the peer is the client. */
  trustProxy: string[]
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
  kafkaSaslMechanism: SaslMechanism | undefined
  kafkaSaslUsername: string
  kafkaSaslPassword: string
  kafkaTlsEnabled: boolean
  kafkaTlsCaFile: string
  kafkaTlsCertFile: string
  kafkaTlsKeyFile: string
  kafkaTlsRejectUnauthorized: boolean
  /** retention.ms of every Hostly topic (events, retry lanes, dead letters), set when the topics are ensured. */
  kafkaTopicRetentionMs: number
  /** Replicas of each partition of the topics Hostly creates; undefined: min(3, the brokers the cluster lists). */
  kafkaTopicReplicationFactor: number | undefined
  /** min.insync.replicas of the topics Hostly creates; undefined: 2 with three replicas or more, else 1. */
  kafkaTopicMinInsyncReplicas: number | undefined
  /** Published outbox rows are deleted this long after publishing, ms. */
  outboxRetentionMs: number
  /** processed_events rows are deleted this long after processing, ms; never before Kafka can drop the event. */
  processedEventsRetentionMs: number
  /** login_failures rows are deleted this long after the failure, ms. */
  loginFailuresRetentionMs: number
  /** How often the retention sweeper deletes old rows, ms. */
  retentionSweepMs: number
  /** Where the web app is, for links in e-mails; '' means http://localhost:PORT. */
  appUrl: string
  /** Ping interval of live sockets, ms; a socket that missed the previous ping is closed. */
  livePingMs: number
  /** Open live sockets per user on one API process. */
  liveMaxSocketsPerUser: number
  /** A live socket with more than this many bytes waiting to be sent is closed (1013): a reader too slow. */
  liveMaxBufferedBytes: number
  /** How often live sockets' sessions are checked (a logged-out or expired session closes its sockets), ms. */
  liveSessionCheckMs: number
  /** How long an API process may answer a session from memory, ms (0: every request asks PostgreSQL). */
  sessionCacheMs: number
  /** Sessions an API process keeps in memory at most. */
  sessionCacheSize: number
  /** SMTP server for e-mail (smtp:// or smtps://, user:password@ for auth); unset: hostly start catches mail locally. */
  smtpUrl: string | undefined
  /** The From of every e-mail. */
  mailFrom: string
  /** Port of the local catch-all SMTP server of hostly start when SMTP_URL is unset. */
  mailDevPort: number
  /** Folder where that server keeps the caught messages (hostly mail list, /dev/mail). */
  mailDevDir: string
  /** Port of /healthz, /readyz and /metrics of every process (the API also serves the first two on PORT). */
  metricsPort: number
  /** Folder of the built web app, served at /; none there, the API runs without it. */
  webDist: string
  /** The key that signs list cursors; '' means a random one per process (hostly start only). */
  cursorKey: string
  /** The key that signs the unsubscribe links of e-mails; '' means a random one per process (hostly start only). */
  unsubscribeKey: string
  /** How long an unsubscribe link works, ms. */
  unsubscribeLinkTtlMs: number
  /** Zipkin's span endpoint (…/api/v2/spans); with it, tracing is on. */
  otelZipkinEndpoint: string | undefined
  /** An OTLP/HTTP collector (traces go to <endpoint>/v1/traces); with it, tracing is on. */
  otelOtlpEndpoint: string | undefined
  /** The share of new traces recorded (0 to 1); a trace begun elsewhere follows its parent's choice. */
  otelSamplerRatio: number
  /** The service name of this process's spans; '' means hostly-<what it runs>. */
  otelServiceName: string
  /** Folder of the photos' files when no S3 bucket is set. */
  mediaDir: string
  /** S3-compatible object store for the photos' files; no bucket: the local folder above. */
  s3Bucket: string
  s3Endpoint: string | undefined
  s3Region: string
  s3AccessKeyId: string
  s3SecretAccessKey: string
  s3ForcePathStyle: boolean
  /** Largest photo (or avatar) upload, bytes. */
  photoMaxBytes: number
  /** Largest photo in pixels (width × height), checked before it is decoded. */
  photoMaxPixels: number
  /** Photos one property may have. */
  photosPerProperty: number
  /** Messages one person may send within a minute. */
  messagesPerMinute: number
  /** At most one e-mail per conversation and recipient this often, ms. */
  messageEmailQuietMs: number
}

const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
type SaslMechanism = (typeof SASL_MECHANISMS)[number]

/** The settings, and what several of them make together. */
export interface Config extends Settings {
  /** SASL for the Kafka clients; undefined means none. */
  kafkaSasl?: { mechanism: SaslMechanism, username: string, password: string }
  /** TLS to the brokers; undefined means plaintext. */
  kafkaTls?: { ca?: string, cert?: string, key?: string, rejectUnauthorized: boolean }
  /** The object store of the photos' files; undefined means the local folder mediaDir. */
  s3?: S3Settings
}

export interface S3Settings {
  bucket: string
  /** undefined: AWS itself, by region. */
  endpoint?: string
  region: string
  /** undefined: the SDK's default chain (an instance role, say). */
  credentials?: { accessKeyId: string, secretAccessKey: string }
  forcePathStyle: boolean
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

export interface Variable<T> {
  name: string
  /** The default, written as the variable would be ('' when there is none); parse turns it into the value. */
  default: string
  /** An older name, read when `name` is unset. */
  alias?: string
  /** The value from the text, or a ConfigError naming the variable. */
  parse (raw: string, name: string): T
  /** What it sets, for `hostly --help` and README.md. */
  description: string
}

const int = (min = 0, max = Number.MAX_SAFE_INTEGER) => (raw: string, name: string): number => {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return Number(raw)
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** segment.ms of our topics: Kafka deletes a record only with its whole segment, so segments roll daily at most. */
export const topicSegmentMs = (retentionMs: number) => Math.min(retentionMs, UNITS.d)

/**
 * How long a record can stay readable in a topic with this retention: its segment is deleted once the segment's
 * newest record is retention.ms old (up to segment.ms after our record), plus an hour for the broker's
 * retention check (every 5 minutes by default) and file deletion delay.
 */
export const topicRecordLifetimeMs = (retentionMs: number) => retentionMs + topicSegmentMs(retentionMs) + UNITS.h

function formatDuration (ms: number): string {
  const parts: string[] = []
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const n = Math.floor(ms / UNITS[unit])
    if (n > 0) parts.push(`${n}${unit}`)
    ms -= n * UNITS[unit]
  }
  return parts.join('') || '0ms'
}

/** A duration in ms: "24h", "30m", "90s", "500ms", "2d", or a number of milliseconds. */
function duration (raw: string, name: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`${name} must be a positive duration such as 24h, 30m, 90s or 500ms, got "${raw}"`)
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms']
}

/** A duration, or 0 (off). */
const durationOrOff = (raw: string, name: string): number => /^0(ms|s|m|h|d)?$/.test(raw.trim()) ? 0 : duration(raw, name)

function bool (raw: string, name: string): boolean {
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

/** true/false, or undefined when unset (the default ''). */
const optionalBool = (raw: string, name: string): boolean | undefined => raw === '' ? undefined : bool(raw, name)

const text = (raw: string) => raw

/** An integer, or undefined when unset (the default ''). */
const optionalInt = (min: number, max: number) => (raw: string, name: string): number | undefined => raw === '' ? undefined : int(min, max)(raw, name)

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal']
const NAME_THE_PROXIES = 'name the proxies instead: their addresses or CIDRs, comma-separated (10.0.0.7, 10.244.0.0/16), ' +
  'or loopback, linklocal, uniquelocal'

/**
 * TRUST_PROXY: the proxies whose X-Forwarded-For is believed, as addresses, CIDRs or proxy-addr's named ranges.
 * The client address is then the right-most one in X-Forwarded-For that is not a trusted proxy. `true` and hop
 * counts are refused: neither checks who sent the header, so a client could name any address it likes.
 */
function trustProxy (raw: string, name: string): string[] {
  raw = raw.trim()
  if (raw === '' || raw === 'false' || raw === '0') return []
  if (raw === 'true') {
    throw new ConfigError(`${name}=true is refused: it believes every address in X-Forwarded-For, so any client could pose as another; ${NAME_THE_PROXIES}`)
  }
  if (/^\d+$/.test(raw)) {
    throw new ConfigError(`${name}=${raw} is refused: a hop count cannot tell a proxy from a client that connects directly and writes its own ` +
      `X-Forwarded-For (Fastify ignores it); ${NAME_THE_PROXIES}`)
  }
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const a of list) {
    if (!PROXY_RANGES.includes(a) && !isAddressOrCidr(a)) {
      throw new ConfigError(`${name}: "${a}" is not an address, a CIDR, loopback, linklocal or uniquelocal`)
    }
  }
  return list
}

function isAddressOrCidr (text: string): boolean {
  const [address, bits, ...more] = text.split('/')
  const version = isIP(address)
  if (version === 0 || more.length > 0) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128))
}

function origins (raw: string, name: string): string[] {
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const o of list) {
    let u: URL | undefined
    try { u = new URL(o) } catch {}
    if (!u || !/^https?:$/.test(u.protocol) || u.origin !== o) {
      throw new ConfigError(`${name}: "${o}" is not an origin such as https://hostly.example`)
    }
  }
  return list
}

/** An optional URL with one of the schemes; '' is unset. */
const url = (schemes: string[]) => (raw: string, name: string): string | undefined => {
  if (raw === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`)
  }
  if (!schemes.includes(parsed.protocol.slice(0, -1))) throw new ConfigError(`${name} must be a ${schemes.join(':// or ')}:// URL, got "${raw}"`)
  return raw
}

/** A share between 0 and 1, such as 0.1. */
function ratio (raw: string, name: string): number {
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(`${name} must be a number between 0 and 1 (0.1: one trace in ten), got "${raw}"`)
  return n
}

const days = (raw: string, name: string) => Math.floor(duration(raw, name) / UNITS.d)

function saslMechanism (raw: string, name: string): SaslMechanism | undefined {
  if (raw === '') return undefined
  if (!(SASL_MECHANISMS as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${SASL_MECHANISMS.join(', ')}, got "${raw}"`)
  }
  return raw as SaslMechanism
}

/** A secret of at least `min` characters, or '' when unset. */
const secret = (min: number) => (raw: string, name: string): string => {
  if (raw !== '' && raw.length < min) throw new ConfigError(`${name} must be at least ${min} characters (openssl rand -base64 32 makes one), got ${raw.length}`)
  return raw
}

function postgresUrl (raw: string, name: string): string {
  try {
    if (new URL(raw).protocol.startsWith('postgres')) return raw
  } catch {}
  throw new ConfigError(`${name} must be a postgres:// URL, got "${raw}"`)
}

/** What Kafka allows in a topic name, short enough to leave room for ours (the longest is 28 characters). */
function kafkaPrefix (raw: string, name: string): string {
  if (!/^[a-zA-Z0-9._-]{0,100}$/.test(raw)) {
    throw new ConfigError(`${name} may hold only letters, digits, '.', '_' and '-' (100 at most), got "${raw}"`)
  }
  return raw
}

function brokerList (raw: string, name: string): string[] {
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const b of list) {
    if (!/^[\w.-]+:\d{1,5}$/.test(b)) throw new ConfigError(`${name}: "${b}" is not host:port`)
  }
  return list
}

/** Every variable, by the Config field it sets. */
export const VARIABLES: { readonly [K in keyof Settings]: Variable<Settings[K]> } = {
  port: { name: 'PORT', default: '3000', parse: int(0, 65535), description: 'HTTP port' },
  host: { name: 'HOST', default: '0.0.0.0', parse: text, description: 'HTTP bind address' },
  databaseUrl: { name: 'DATABASE_URL', default: 'postgres://postgres@127.0.0.1:5432/hostly', parse: postgresUrl, description: 'PostgreSQL; the database is created if missing' },
  // KAFKA_BROKER is the seed's name for a single broker; KAFKA_BROKERS wins when both are set.
  kafkaBrokers: { name: 'KAFKA_BROKERS', alias: 'KAFKA_BROKER', default: '', parse: brokerList, description: 'comma-separated host:port; unset, `hostly start` runs a local broker' },
  kafkaPort: { name: 'KAFKA_PORT', default: '9092', parse: int(1, 65535), description: 'port of the local broker (`hostly start`, `hostly kafka`)' },
  kafkaDataDir: { name: 'KAFKA_DATA_DIR', default: '.data/kafka', parse: text, description: 'folder of the local broker' },
  kafkaPrefix: { name: 'KAFKA_PREFIX', default: '', parse: kafkaPrefix, description: 'prepended to the name of every topic and consumer group Hostly uses (e.g. `staging.`): installations that share a cluster keep apart' },
  kafkaSessionTimeoutMs: { name: 'KAFKA_SESSION_TIMEOUT_MS', default: '10000', parse: int(6000, 300_000), description: 'consumer session timeout: how long a dead worker keeps its partitions' },
  relayPollMs: { name: 'RELAY_POLL_MS', default: '1000', parse: int(10), description: "relay's fallback poll when no NOTIFY arrives" },
  relayBatchSize: { name: 'RELAY_BATCH_SIZE', default: '500', parse: int(1, 10_000), description: 'outbox rows published per Kafka request' },
  sessionTtlHours: { name: 'SESSION_TTL_HOURS', default: '336', parse: int(1), description: 'sign-in session lifetime (14 days)' },
  cookieSecure: { name: 'COOKIE_SECURE', default: 'false', parse: bool, description: "set the cookie's Secure flag (serve behind HTTPS)" },
  logLevel: { name: 'LOG_LEVEL', default: 'info', parse: text, description: 'pino level' },
  logPretty: { name: 'LOG_PRETTY', default: '', parse: optionalBool, description: 'readable log lines (true) or JSON lines (false); unset: readable when stdout is a terminal' },
  bookingPendingTtlMs: { name: 'BOOKING_PENDING_TTL', default: '24h', parse: duration, description: 'a pending request unanswered this long is cancelled automatically' },
  expirySweepMs: { name: 'EXPIRY_SWEEP_INTERVAL', default: '1m', parse: duration, description: 'how often `hostly start` / `hostly relay` look for such requests' },
  handlerAttempts: { name: 'HANDLER_ATTEMPTS', default: '3', parse: int(1, 20), description: 'attempts at a failing event in place before it moves to <topic>.retry' },
  retryRounds: { name: 'RETRY_ROUNDS', default: '3', parse: int(0, 20), description: 'rounds through <topic>.retry before <topic>.dlq' },
  retryDelayMs: { name: 'RETRY_DELAY', default: '10s', parse: duration, description: 'wait in <topic>.retry before the next round' },
  trustProxy: { name: 'TRUST_PROXY', default: '', parse: trustProxy, description: 'the proxies whose X-Forwarded-For is believed: addresses or CIDRs (comma-separated), or loopback, linklocal, uniquelocal' },
  appOrigins: { name: 'APP_ORIGIN', default: '', parse: origins, description: "origins allowed to make state-changing requests (comma-separated); unset: the request's own host" },
  docsEnabled: { name: 'DOCS_ENABLED', default: 'true', parse: bool, description: 'serve the OpenAPI document and viewer at /docs' },
  requestTimeoutMs: { name: 'REQUEST_TIMEOUT', default: '30s', parse: duration, description: 'time to receive a whole request' },
  headersTimeoutMs: { name: 'HEADERS_TIMEOUT', default: '10s', parse: duration, description: "time to receive a request's headers" },
  connectionTimeoutMs: { name: 'CONNECTION_TIMEOUT', default: '75s', parse: duration, description: 'socket inactivity before it is closed' },
  keepAliveTimeoutMs: { name: 'KEEP_ALIVE_TIMEOUT', default: '72s', parse: duration, description: 'idle keep-alive socket lifetime between requests' },
  // 0 by default: past the cap Node answers 503 to a client that goes on sending on the socket (load testers, some
  // proxies), which reads as an outage; idle sockets are bounded by KEEP_ALIVE_TIMEOUT and their number by MAX_CONNECTIONS.
  maxRequestsPerSocket: { name: 'MAX_REQUESTS_PER_SOCKET', default: '0', parse: int(0), description: 'requests served on one socket before it is closed (0: no limit)' },
  maxConnections: { name: 'MAX_CONNECTIONS', default: '10000', parse: int(1), description: 'open connections the HTTP server accepts at once' },
  hashConcurrency: { name: 'HASH_CONCURRENCY', default: '4', parse: int(1, 256), description: 'password hashes computed at once' },
  hashQueue: { name: 'HASH_QUEUE', default: '32', parse: int(0, 10_000), description: 'password hashes waiting; beyond both, 503 with Retry-After' },
  loginMaxPerAccountClient: { name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT', default: '10', parse: int(1), description: 'failed sign-ins for one account from one address within the window' },
  loginMaxPerClient: { name: 'LOGIN_MAX_FAILURES_PER_CLIENT', default: '20', parse: int(1), description: 'failed sign-ins from one address, any accounts, within the window' },
  loginMaxPerAccount: { name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT', default: '100', parse: int(1), description: 'failed sign-ins for one account from all addresses; past it only addresses without failures may try' },
  loginWindowMs: { name: 'LOGIN_THROTTLE_WINDOW', default: '15m', parse: duration, description: 'window of the sign-in throttles' },
  registerMaxPerClient: { name: 'REGISTER_MAX_PER_CLIENT', default: '10', parse: int(1), description: 'registrations from one address within the window' },
  registerWindowMs: { name: 'REGISTER_THROTTLE_WINDOW', default: '1h', parse: duration, description: 'window of the registration throttle' },
  bookingMaxAdvanceDays: { name: 'BOOKING_MAX_ADVANCE', default: '730d', parse: days, description: 'how far ahead a stay may start' },
  maxPendingPerTraveler: { name: 'MAX_PENDING_PER_TRAVELER', default: '10', parse: int(1), description: 'pending requests one traveler may hold at once' },
  kafkaSaslMechanism: { name: 'KAFKA_SASL_MECHANISM', default: '', parse: saslMechanism, description: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; unset: no SASL' },
  kafkaSaslUsername: { name: 'KAFKA_SASL_USERNAME', default: '', parse: text, description: 'SASL user (required with KAFKA_SASL_MECHANISM)' },
  kafkaSaslPassword: { name: 'KAFKA_SASL_PASSWORD', default: '', parse: text, description: 'SASL password (required with KAFKA_SASL_MECHANISM)' },
  kafkaTlsEnabled: { name: 'KAFKA_TLS', default: 'false', parse: bool, description: 'TLS to the brokers' },
  kafkaTlsCaFile: { name: 'KAFKA_TLS_CA_FILE', default: '', parse: text, description: 'PEM file of the CA that signed the brokers (default: the system CAs)' },
  kafkaTlsCertFile: { name: 'KAFKA_TLS_CERT_FILE', default: '', parse: text, description: 'PEM client certificate, for mTLS' },
  kafkaTlsKeyFile: { name: 'KAFKA_TLS_KEY_FILE', default: '', parse: text, description: 'PEM client key, for mTLS' },
  kafkaTlsRejectUnauthorized: { name: 'KAFKA_TLS_REJECT_UNAUTHORIZED', default: 'true', parse: bool, description: 'refuse brokers whose certificate does not verify' },
  kafkaTopicRetentionMs: { name: 'KAFKA_TOPIC_RETENTION', default: '7d', parse: duration, description: 'retention.ms of every Hostly topic, set at each start' },
  kafkaTopicReplicationFactor: { name: 'KAFKA_TOPIC_REPLICATION_FACTOR', default: '', parse: optionalInt(1, 32), description: 'replicas of each partition of the topics Hostly creates; unset: min(3, brokers in the cluster)' },
  kafkaTopicMinInsyncReplicas: { name: 'KAFKA_TOPIC_MIN_INSYNC_REPLICAS', default: '', parse: optionalInt(1, 32), description: 'min.insync.replicas of the topics Hostly creates; unset: 2 with three replicas or more, else 1' },
  processedEventsRetentionMs: { name: 'PROCESSED_EVENTS_RETENTION', default: '14d', parse: duration, description: "a consumer's record of an event is deleted this long after processing; at least KAFKA_TOPIC_RETENTION + 1 day + 1 hour" },
  outboxRetentionMs: { name: 'OUTBOX_RETENTION', default: '7d', parse: duration, description: 'published outbox rows are deleted this long after publishing' },
  loginFailuresRetentionMs: { name: 'LOGIN_FAILURES_RETENTION', default: '1d', parse: duration, description: 'failed sign-ins are deleted this long after; at least LOGIN_THROTTLE_WINDOW' },
  retentionSweepMs: { name: 'RETENTION_SWEEP_INTERVAL', default: '10m', parse: duration, description: 'how often hostly start / hostly relay delete what retention lets go' },
  appUrl: { name: 'APP_URL', default: '', parse: (raw, name) => (url(['http', 'https'])(raw, name) ?? '').replace(/\/$/, ''), description: 'where the web app is, for links in e-mails; unset: http://localhost:PORT' },
  livePingMs: { name: 'LIVE_PING_INTERVAL', default: '30s', parse: duration, description: 'ping interval of live sockets; one that missed the previous ping is closed' },
  liveMaxSocketsPerUser: { name: 'LIVE_MAX_SOCKETS_PER_USER', default: '10', parse: int(1, 10_000), description: 'open live sockets per user on one API process (beyond: 429)' },
  liveMaxBufferedBytes: { name: 'LIVE_MAX_BUFFERED_BYTES', default: '1048576', parse: int(1024), description: 'bytes waiting on a live socket before it is closed (1013: reader too slow)' },
  liveSessionCheckMs: { name: 'LIVE_SESSION_CHECK', default: '10s', parse: duration, description: "how often live sockets' sessions are checked (logged out or expired: closed)" },
  sessionCacheMs: { name: 'SESSION_CACHE_TTL', default: '5s', parse: durationOrOff, description: 'how long an API process answers a session from memory before asking PostgreSQL again; a sign-out or account change anywhere drops it at once (0: no cache)' },
  sessionCacheSize: { name: 'SESSION_CACHE_SIZE', default: '10000', parse: int(1, 10_000_000), description: 'sessions an API process keeps in memory at most' },
  smtpUrl: { name: 'SMTP_URL', default: '', parse: url(['smtp', 'smtps']), description: 'SMTP server for e-mail (smtp:// or smtps://, user:password@ for auth); unset: hostly start catches mail locally' },
  mailFrom: { name: 'MAIL_FROM', default: 'Hostly <no-reply@hostly.localhost>', parse: text, description: 'the From of every e-mail' },
  mailDevPort: { name: 'MAIL_DEV_PORT', default: '1025', parse: int(0, 65535), description: 'port of the local catch-all SMTP server of hostly start when SMTP_URL is unset' },
  mailDevDir: { name: 'MAIL_DEV_DIR', default: '.data/mail', parse: text, description: 'folder of the caught messages (hostly mail list, /dev/mail)' },
  metricsPort: { name: 'METRICS_PORT', default: '9464', parse: int(0, 65535), description: '`/healthz`, `/readyz` and `/metrics` of every process, the API too (/metrics only there, not on PORT)' },
  webDist: { name: 'WEB_DIST', default: 'web/dist', parse: text, description: 'folder of the built web app, served at / (`npm start` builds it when missing)' },
  cursorKey: { name: 'CURSOR_KEY', default: '', parse: secret(32), description: 'key that signs list cursors (32 characters or more), the same on every API replica; unset: a random key per process (hostly start only)' },
  unsubscribeKey: { name: 'UNSUBSCRIBE_KEY', default: '', parse: secret(32), description: "key that signs e-mails' unsubscribe links (32 characters or more), the same on every API replica and e-mail worker; unset: a random key per process (hostly start only)" },
  unsubscribeLinkTtlMs: { name: 'UNSUBSCRIBE_LINK_TTL', default: '60d', parse: duration, description: "how long an e-mail's unsubscribe link works" },
  // Tracing (docs/operations.md, Traces): the OpenTelemetry names, so collectors' docs apply as they are.
  otelZipkinEndpoint: { name: 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', default: '', parse: url(['http', 'https']), description: "Zipkin's span endpoint (http://zipkin:9411/api/v2/spans): traces are exported there; unset with the next: tracing off" },
  otelOtlpEndpoint: { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: '', parse: url(['http', 'https']), description: 'an OTLP/HTTP collector (http://collector:4318): traces go to its /v1/traces; unset with the previous: tracing off' },
  otelSamplerRatio: { name: 'OTEL_TRACES_SAMPLER_ARG', default: '1', parse: ratio, description: 'share of new traces recorded (0.1: one in ten); a trace begun upstream keeps its own choice (parent-based)' },
  otelServiceName: { name: 'OTEL_SERVICE_NAME', default: '', parse: text, description: "service name of this process's spans; unset: hostly, hostly-api, hostly-relay or hostly-worker-<names>" },
  mediaDir: { name: 'MEDIA_DIR', default: '.data/media', parse: text, description: "folder of the photos' and avatars' files when S3_BUCKET is unset (one API process, or a shared volume)" },
  s3Bucket: { name: 'S3_BUCKET', default: '', parse: text, description: "bucket of an S3-compatible object store for the photos' and avatars' files; unset: MEDIA_DIR" },
  s3Endpoint: { name: 'S3_ENDPOINT', default: '', parse: url(['http', 'https']), description: 'URL of the S3-compatible store (MinIO, Ceph, S3Proxy…); unset: AWS S3 in S3_REGION' },
  s3Region: { name: 'S3_REGION', default: 'us-east-1', parse: text, description: 'region of the bucket' },
  s3AccessKeyId: { name: 'S3_ACCESS_KEY_ID', default: '', parse: text, description: "access key of the store; unset with S3_SECRET_ACCESS_KEY: the SDK's default credentials (an instance role)" },
  s3SecretAccessKey: { name: 'S3_SECRET_ACCESS_KEY', default: '', parse: text, description: 'secret key of the store (with S3_ACCESS_KEY_ID)' },
  s3ForcePathStyle: { name: 'S3_FORCE_PATH_STYLE', default: 'false', parse: bool, description: 'address the bucket as <endpoint>/<bucket> instead of <bucket>.<endpoint> (MinIO, S3Proxy)' },
  photoMaxBytes: { name: 'PHOTO_MAX_BYTES', default: '15728640', parse: int(1024, 1024 * 1024 * 1024), description: 'largest photo or avatar upload in bytes (15 MiB)' },
  photoMaxPixels: { name: 'PHOTO_MAX_PIXELS', default: '50000000', parse: int(1, 1_000_000_000), description: 'largest photo in pixels, width × height (50 megapixels), checked before decoding' },
  photosPerProperty: { name: 'PHOTOS_PER_PROPERTY', default: '30', parse: int(1, 1000), description: 'photos one property may have' },
  messagesPerMinute: { name: 'MESSAGE_RATE_PER_MINUTE', default: '20', parse: int(1, 10000), description: 'messages one person may send within a minute; more are refused (429)' },
  messageEmailQuietMs: { name: 'MESSAGE_EMAIL_QUIET', default: '10m', parse: duration, description: 'at most one e-mail per conversation and recipient this often; messages meanwhile are listed in the next one, sent once the period has passed' }
}

/** Every name Hostly reads, aliases included. */
export const variableNames = (): string[] => Object.values(VARIABLES).flatMap(v => [v.name, ...(v.alias ? [v.alias] : [])])

/** The variable's text in env: its own name, else its alias, else the default. An empty value counts as unset. */
function rawValue (env: Env, v: Variable<unknown>): string {
  return env[v.name] || (v.alias && env[v.alias]) || v.default
}

export function loadConfig (env: Env = process.env): Config {
  const entries = Object.entries(VARIABLES) as Array<[keyof Settings, Variable<unknown>]>
  const settings = Object.fromEntries(entries.map(([field, v]) => [field, v.parse(rawValue(env, v), v.name)])) as unknown as Settings
  checkRetention(settings)
  checkReplication(settings)
  return {
    ...settings,
    appUrl: settings.appUrl || `http://localhost:${settings.port}`,
    kafkaSasl: kafkaSasl(settings),
    kafkaTls: kafkaTls(settings),
    s3: s3(settings)
  }
}

function s3 (s: Settings): Config['s3'] {
  if (!s.s3Bucket) return undefined
  if (Boolean(s.s3AccessKeyId) !== Boolean(s.s3SecretAccessKey)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither for the SDK\'s default credentials')
  }
  return {
    bucket: s.s3Bucket,
    endpoint: s.s3Endpoint,
    region: s.s3Region,
    credentials: s.s3AccessKeyId ? { accessKeyId: s.s3AccessKeyId, secretAccessKey: s.s3SecretAccessKey } : undefined,
    forcePathStyle: s.s3ForcePathStyle
  }
}

/** Records that de-duplication and throttling still need are never deleted: retentions that would, stop the start. */
function checkRetention (s: Settings) {
  const lifetime = topicRecordLifetimeMs(s.kafkaTopicRetentionMs)
  if (s.processedEventsRetentionMs < lifetime) {
    throw new ConfigError(`PROCESSED_EVENTS_RETENTION must be at least ${formatDuration(lifetime)} ` +
      '(KAFKA_TOPIC_RETENTION, plus a segment and an hour: how long Kafka may still deliver an event), ' +
      `got ${formatDuration(s.processedEventsRetentionMs)}`)
  }
  if (s.loginFailuresRetentionMs < s.loginWindowMs) {
    throw new ConfigError(`LOGIN_FAILURES_RETENTION must be at least ${formatDuration(s.loginWindowMs)} (LOGIN_THROTTLE_WINDOW), ` +
      `got ${formatDuration(s.loginFailuresRetentionMs)}`)
  }
}

/** More in-sync replicas required than there are replicas: every write with acks=all would be refused. */
function checkReplication ({ kafkaTopicReplicationFactor: factor, kafkaTopicMinInsyncReplicas: minInsync }: Settings) {
  if (factor !== undefined && minInsync !== undefined && minInsync > factor) {
    throw new ConfigError(`KAFKA_TOPIC_MIN_INSYNC_REPLICAS (${minInsync}) must not exceed KAFKA_TOPIC_REPLICATION_FACTOR (${factor}): ` +
      'no write could succeed')
  }
}

function kafkaSasl (s: Settings): Config['kafkaSasl'] {
  if (!s.kafkaSaslMechanism) return undefined
  if (!s.kafkaSaslUsername || !s.kafkaSaslPassword) {
    throw new ConfigError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM')
  }
  return { mechanism: s.kafkaSaslMechanism, username: s.kafkaSaslUsername, password: s.kafkaSaslPassword }
}

function kafkaTls (s: Settings): Config['kafkaTls'] {
  if (!s.kafkaTlsEnabled) return undefined
  const file = (name: string, path: string) => {
    if (!path) return undefined
    try { return readFileSync(path, 'utf8') } catch { throw new ConfigError(`${name}: cannot read "${path}"`) }
  }
  return {
    ca: file('KAFKA_TLS_CA_FILE', s.kafkaTlsCaFile),
    cert: file('KAFKA_TLS_CERT_FILE', s.kafkaTlsCertFile),
    key: file('KAFKA_TLS_KEY_FILE', s.kafkaTlsKeyFile),
    rejectUnauthorized: s.kafkaTlsRejectUnauthorized
  }
}

/** The variables as `hostly --help` lists them. */
export function describeVariables (): string {
  const width = Math.max(...Object.values(VARIABLES).map(v => v.name.length))
  return Object.values(VARIABLES)
    .map(v => `  ${v.name.padEnd(width)}  ${v.description}${v.default ? ` (default ${v.default})` : ''}${v.alias ? ` (also read as ${v.alias})` : ''}`)
    .join('\n')
}
