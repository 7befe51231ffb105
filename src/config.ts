// Configuration comes from the environment only, read and validated once at start.
// A bad value stops the process with a message that names the variable.
// VARIABLES below is the one list of the variables: their defaults, parsers and meanings. `hostly --help`
// prints it, the tests' process helpers clear it from the environment they pass on, and a test checks that
// README.md's configuration table lists exactly these variables with these defaults.

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

/** A duration in ms: "24h", "30m", "90s", "500ms", "2d", or a number of milliseconds. */
function duration (raw: string, name: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`${name} must be a positive duration such as 24h, 30m, 90s or 500ms, got "${raw}"`)
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms']
}

function bool (raw: string, name: string): boolean {
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

/** true/false, or undefined when unset (the default ''). */
const optionalBool = (raw: string, name: string): boolean | undefined => raw === '' ? undefined : bool(raw, name)

const text = (raw: string) => raw

function postgresUrl (raw: string, name: string): string {
  try {
    if (new URL(raw).protocol.startsWith('postgres')) return raw
  } catch {}
  throw new ConfigError(`${name} must be a postgres:// URL, got "${raw}"`)
}

function brokerList (raw: string, name: string): string[] {
  const list = raw.split(',').map(s => s.trim()).filter(Boolean)
  for (const b of list) {
    if (!/^[\w.-]+:\d{1,5}$/.test(b)) throw new ConfigError(`${name}: "${b}" is not host:port`)
  }
  return list
}

/** Every variable, by the Config field it sets. */
export const VARIABLES: { readonly [K in keyof Config]: Variable<Config[K]> } = {
  port: { name: 'PORT', default: '3000', parse: int(0, 65535), description: 'HTTP port' },
  host: { name: 'HOST', default: '0.0.0.0', parse: text, description: 'HTTP bind address' },
  databaseUrl: { name: 'DATABASE_URL', default: 'postgres://postgres@127.0.0.1:5432/hostly', parse: postgresUrl, description: 'PostgreSQL; the database is created if missing' },
  // KAFKA_BROKER is the seed's name for a single broker; KAFKA_BROKERS wins when both are set.
  kafkaBrokers: { name: 'KAFKA_BROKERS', alias: 'KAFKA_BROKER', default: '', parse: brokerList, description: 'comma-separated host:port; unset, `hostly start` runs a local broker' },
  kafkaPort: { name: 'KAFKA_PORT', default: '9092', parse: int(1, 65535), description: 'port of the local broker (`hostly start`, `hostly kafka`)' },
  kafkaDataDir: { name: 'KAFKA_DATA_DIR', default: '.data/kafka', parse: text, description: 'folder of the local broker' },
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
  retryDelayMs: { name: 'RETRY_DELAY', default: '10s', parse: duration, description: 'wait in <topic>.retry before the next round' }
}

/** Every name Hostly reads, aliases included. */
export const variableNames = (): string[] => Object.values(VARIABLES).flatMap(v => [v.name, ...(v.alias ? [v.alias] : [])])

/** The variable's text in env: its own name, else its alias, else the default. An empty value counts as unset. */
function rawValue (env: Env, v: Variable<unknown>): string {
  return env[v.name] || (v.alias && env[v.alias]) || v.default
}

export function loadConfig (env: Env = process.env): Config {
  const entries = Object.entries(VARIABLES) as Array<[keyof Config, Variable<unknown>]>
  return Object.fromEntries(entries.map(([field, v]) => [field, v.parse(rawValue(env, v), v.name)])) as unknown as Config
}

/** The variables as `hostly --help` lists them. */
export function describeVariables (): string {
  const width = Math.max(...Object.values(VARIABLES).map(v => v.name.length))
  return Object.values(VARIABLES)
    .map(v => `  ${v.name.padEnd(width)}  ${v.description}${v.default ? ` (default ${v.default})` : ''}${v.alias ? ` (also read as ${v.alias})` : ''}`)
    .join('\n')
}
