import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { Backoff } from '../timing.ts'
import { connect, type Connection } from './pool.ts'
import { functionFiles, migrationNames, type Schema } from './schema.ts'

/**
 * The database is not at this version of Hostly, or cannot be reached to say: a message for the operator, not a
 * stack trace. canRetry: it could not be reached, which may pass.
 */
export class SchemaError extends Error {
  readonly canRetry: boolean
  constructor (message: string, canRetry = false) {
    super(message)
    this.canRetry = canRetry
  }
}

/** How long a process starting keeps trying to reach its database before it gives up. */
const REACH_WAIT_MS = 60_000

const RUN_MIGRATE = 'Run "hostly migrate" (or "hostly start") with this version first.'

/**
 * Checks that the database is at this version: every numbered migration applied and every function file
 * applied as it is now (same hash). Processes that do not migrate (hostly api, relay, worker) call it at start,
 * so they need no right beyond their own database's. Migrations the database has and this version does not know
 * are allowed: a newer version migrated first, and migrations only add.
 */
export async function checkSchema (databaseUrl: string, schema: Schema): Promise<void> {
  let client: Connection
  try {
    client = await connect(databaseUrl) // a lost connection fails the queries below, which say so
  } catch (err) {
    const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1))
    if ((err as { code?: string }).code === '3D000') throw new SchemaError(`database "${name}" does not exist. ${RUN_MIGRATE}`)
    throw new SchemaError(`cannot reach the database to check its schema: ${(err as Error).message}`, true)
  }
  try {
    const { rows: [tables] } = await client.query<{ migrations: boolean, functions: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS migrations, to_regclass('schema_functions') IS NOT NULL AS functions")
    const applied = new Set(tables.migrations ? (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map(r => r.name) : [])
    const hashes = new Map<string, string>(tables.functions
      ? (await client.query<{ name: string, sha256: string }>('SELECT name, sha256 FROM schema_functions')).rows.map(r => [r.name, r.sha256])
      : [])
    const missing = (await migrationNames(schema)).filter(name => !applied.has(name))
    const stale = (await functionFiles(schema)).filter(f => hashes.get(f.name) !== f.sha256).map(f => f.name)
    if (missing.length === 0 && stale.length === 0) return
    throw new SchemaError([
      'the database is not at this version of Hostly:',
      ...(missing.length > 0 ? [`migrations not applied: ${missing.join(', ')};`] : []),
      ...(stale.length > 0 ? [`stored functions missing or different: ${stale.join(', ')}.`] : []),
      RUN_MIGRATE
    ].join(' '))
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * checkSchema, tried again while the database cannot be reached or drops the connection (a worker restarted while
 * its database restarts: the chaos run's killed owner worker started into a burst of terminated backends and
 * exited), for up to a minute. A database at another version, or missing, is said at once.
 */
export async function checkSchemaWhenReachable (databaseUrl: string, schema: Schema, log: Pick<Logger, 'warn'>, waitMs = REACH_WAIT_MS): Promise<void> {
  const backoff = new Backoff(200, 5000)
  const until = Date.now() + waitMs
  for (;;) {
    try {
      return await checkSchema(databaseUrl, schema)
    } catch (err) {
      if ((err as { canRetry?: boolean }).canRetry !== true || Date.now() >= until) throw err
      const delay = backoff.next()
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'database: cannot check the schema yet, trying again')
      await sleep(delay)
    }
  }
}
