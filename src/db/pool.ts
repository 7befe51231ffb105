import pg from 'pg'
import { classifying, endedAConnection, isDatabaseUnavailable, TransactionConflictError } from './errors.ts'

// bigint ids come back as strings by default; ours stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v))
// Calendar dates stay 'YYYY-MM-DD' strings: no time zone ever touches them.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v)
// numeric(…, 2) money: exact in the database, a JSON number with at most two decimals out.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v))

export type Pool = pg.Pool
export type Client = pg.PoolClient
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>

/**
 * The one kind of PostgreSQL connection Hostly holds: pooled or dedicated, it listens for 'error' from the moment
 * it exists until it is gone. node-postgres emits a backend's FATAL (a restart, a failover, pg_terminate_backend,
 * idle_session_timeout) that arrives while no query runs as an 'error' event on the client, and an 'error' event
 * nobody listens to ends the process. Listeners added later always leave a gap: pg-pool removes its own when it
 * lends a client out, and the borrower's code runs a microtask after the client is handed over, while the
 * startup's ReadyForQuery and a FATAL can arrive in one socket read. The error is not lost: the client is marked
 * unqueryable, its next query fails and says so, and the pool closes it instead of lending it again.
 * Its failures come out classified (errors.ts): a query on a connection that is lost or closing failed because of
 * that, whatever pg's message.
 */
export class Connection extends pg.Client {
  /** The error that ended this connection, if one did. */
  lost: Error | undefined
  /** end() was called: queries still queued fail because of it. */
  closing = false
  constructor (config?: string | pg.ClientConfig) {
    super(config)
    this.on('error', err => {
      this.lost ??= err
      endedAConnection(err)
    })
    // pg never answers a connect() whose client is ended before the server's handshake is done (its 'end' handler
    // reports to the connect only an end it did not ask for), so whoever awaited that connect waited for ever: an API
    // stopped just after it started, its LISTEN connection still connecting, hung its shutdown. end() answers it.
    let connecting: ((err?: Error) => void) | undefined
    const end = this.end
    this.end = ((...args: unknown[]) => {
      this.closing = true
      connecting?.(new Error('Connection terminated: closed while connecting'))
      return (end as (...a: unknown[]) => unknown).apply(this, args)
    }) as typeof this.end
    const connect = this.connect as (callback: (err?: Error) => void) => void
    const connectOnce = (callback?: (err?: Error) => void): Promise<this> | undefined => {
      const connected = new Promise<this>((resolve, reject) => {
        connecting = err => {
          connecting = undefined
          if (err) reject(err); else resolve(this)
        }
        connect.call(this, err => connecting?.(err ?? undefined))
      })
      if (!callback) return connected
      connected.then(() => callback(), callback)
    }
    this.query = classifying(this.query, () => this.lost !== undefined || this.closing)
    this.connect = classifying(connectOnce as typeof this.connect, () => true)
  }
}

/** A dedicated connection (LISTEN, advisory locks, migrations), connected. */
export async function connect (connectionString: string): Promise<Connection> {
  const client = new Connection({ connectionString })
  await client.connect()
  return client
}

/**
 * settings: server settings every connection starts with (a custom hostly.* one, a statement_timeout…), sent at
 * connection start, so they cost no round trip.
 */
export function createPool (connectionString: string, max = 10, settings: Record<string, string | number> = {}): pg.Pool {
  const options = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ') || undefined
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000, options, Client: Connection })
  // No connection to be had (refused, timed out, the server starting or full) is the database being away. pg-pool's
  // query takes its client through this connect, and runs on a Connection, whose failures are classified already.
  pool.connect = classifying(pool.connect, () => true)
  pool.query = classifying(pool.query, () => false)
  // The pool re-emits an idle client's error after closing that client; it needs no more handling than that.
  pool.on('error', () => {})
  return pool
}

/** Runs fn in a transaction; commits on success, rolls back on any error and rethrows it. */
export async function transaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    broken = isDatabaseUnavailable(err)
    throw err
  } finally {
    // A connection that failed (terminated, reset) is closed rather than handed to the next request.
    client.release(broken)
  }
}

/** How many times in all an API write runs while PostgreSQL ends it as a deadlock or a serialization failure. */
const CONFLICT_ATTEMPTS = 3

/**
 * transaction(), run again when PostgreSQL ended it as a deadlock or a serialization failure (rolled back whole: the
 * server asks for exactly this). Only for fn whose every effect is in the database; a conflict on the last attempt is
 * thrown (the API answers 503 TRY_AGAIN).
 */
export async function retriedTransaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, attempts = CONFLICT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction(pool, fn)
    } catch (err) {
      if (!(err instanceof TransactionConflictError) || attempt >= attempts) throw err
    }
  }
}
