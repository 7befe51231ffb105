import pg from 'pg'

// PostgreSQL and socket failures, classified once where pg hands them to Hostly (pool.ts), into error classes with
// a `code` and `canRetry`, as @platformatic/kafka's errors have (node_modules/@platformatic/kafka/dist/errors.js).
// Nothing is written onto pg's own error objects; the original is the new error's `cause`, its message is kept.

/** A failure that is no fault of the statement: run it again as it is, later. */
export class DatabaseRetryableError extends Error {
  readonly code: string
  readonly canRetry = true
  constructor (code: string, cause: Error) {
    super(cause.message, { cause })
    this.code = code
    this.name = new.target.name
  }
}

/** The server cannot be reached, is going away, starting up, or out of connections: the API answers 503. */
export class DatabaseUnavailableError extends DatabaseRetryableError {
  static readonly code = 'HOSTLY_DB_UNAVAILABLE'
  constructor (cause: Error) { super(DatabaseUnavailableError.code, cause) }
}

/** A serialization failure or a deadlock: the server is there and asks for the transaction to be run again. */
export class TransactionConflictError extends DatabaseRetryableError {
  static readonly code = 'HOSTLY_DB_TRY_AGAIN'
  constructor (cause: Error) { super(TransactionConflictError.code, cause) }
}

/** SQLSTATE: the server is going away, starting up or out of connections (class 08, the connection, comes on top). */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300'])
/** SQLSTATE: serialization failure and deadlock. */
const TRY_AGAIN = new Set(['40001', '40P01'])

/** Errors that ended a connection (its 'error' event): whoever receives one later, pg-pool included, lost it. */
const ENDED_A_CONNECTION = new WeakSet<object>()
export const endedAConnection = (err: unknown) => { if (err instanceof Error) ENDED_A_CONNECTION.add(err) }

/**
 * The typed error for what pg threw, or the error itself when it is the statement's own (a constraint, a RAISE, a
 * syntax error) or not the database's at all. connectionGone: the connection the statement ran on, or was to run
 * on, is lost (pg then throws a plain Error with no code, whose text is all it says).
 */
export function classifyPg (err: unknown, connectionGone: boolean): unknown {
  if (!(err instanceof Error) || err instanceof DatabaseRetryableError) return err
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && TRY_AGAIN.has(code)) return new TransactionConflictError(err)
  if (typeof code === 'string' && (UNAVAILABLE.has(code) || code.startsWith('08'))) return new DatabaseUnavailableError(err)
  if (err instanceof pg.DatabaseError) return err
  // A Node system error (ECONNREFUSED, ECONNRESET, EAI_AGAIN…: it names its syscall) is the socket's.
  if (connectionGone || ENDED_A_CONNECTION.has(err) || typeof (err as { syscall?: unknown }).syscall === 'string') return new DatabaseUnavailableError(err)
  return err
}

/** Whether err is a failure of the database being away (a 503; a pooled connection to close). */
export const isDatabaseUnavailable = (err: unknown): err is DatabaseUnavailableError => err instanceof DatabaseUnavailableError

type Fn = (...args: any[]) => any

/**
 * fn with its errors classified, whether it answers by promise or by a last-argument callback (pg-pool calls
 * client.query with one). A Submittable (a cursor) is handed back as it is.
 */
export function classifying<F extends Fn> (fn: F, connectionGone: () => boolean): F {
  return function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1
    const callback = args[last]
    if (typeof callback === 'function') {
      args[last] = (err: unknown, ...rest: unknown[]) => callback(err ? classifyPg(err, connectionGone()) : err, ...rest)
    }
    const result = fn.apply(this, args)
    if (result instanceof Promise) return result.catch((err: unknown) => { throw classifyPg(err, connectionGone()) })
    return result
  } as F
}
