import pg from 'pg'
import { isUnavailable } from '../retryable.ts'

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
 * settings: server settings every connection starts with (custom ones such as hostly.max_pending_per_traveler,
 * which cap_pending_requests() reads), sent at connection start, so they cost no round trip.
 */
export function createPool (connectionString: string, max = 10, settings: Record<string, string | number> = {}): pg.Pool {
  const options = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ') || undefined
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000, options })
  // An idle client losing its connection (server restart, pg_terminate_backend) must not crash us.
  pool.on('error', () => {})
  return pool
}

/** Runs fn in a transaction; commits on success, rolls back on any error and rethrows it. */
export async function transaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  // The pool stops listening for errors on a client it lends out: a connection lost between two queries
  // would be an unhandled 'error' event, which ends the process. The next query fails and tells the caller.
  const onError = () => { broken = true }
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    broken ||= isUnavailable(err)
    throw err
  } finally {
    client.off('error', onError)
    // A connection that failed (terminated, reset) is closed rather than handed to the next request.
    client.release(broken)
  }
}
