import { GenericError } from '@platformatic/kafka'

// Whether an error is worth trying again as it is: the one place that decides, from codes the libraries give
// (SQLSTATE, Node's socket codes, @platformatic/kafka's canRetry), and records the answer on the error as its
// `retryable` property. An error that carries `retryable` already (a handler's `retryable: false`: this event
// can never succeed) keeps it. Everything else is undecided: a bug, or a fault of the event, that a caller
// may try a few times.

/** SQLSTATE: the server is going away, starting up or out of connections; the connection failed (class 08). */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006'])
/** SQLSTATE: serialization failure and deadlock, which ask the client to run the transaction again. */
const PG_TRY_AGAIN = new Set(['40001', '40P01'])
/** Node's codes for a socket that could not connect or was dropped. */
const NODE_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
/**
 * pg 8.23.1 and pg-pool 3.14.0 throw a plain Error, with no code, when a connection ends under a query
 * ("Connection terminated unexpectedly", "Client has encountered a connection error…", "Client was closed…")
 * or none can be had in time ("timeout exceeded when trying to connect"): their text is all they give.
 */
const PG_CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/

export interface Classified { retryable?: boolean, unavailable?: boolean }

const cache = new WeakMap<object, Classified>()

function decide (e: { code?: unknown, message?: unknown, retryable?: unknown }): Classified {
  const code = typeof e.code === 'string' ? e.code : ''
  if (PG_TRY_AGAIN.has(code)) return { retryable: true, unavailable: false }
  if (PG_UNAVAILABLE.has(code) || NODE_NETWORK.has(code)) return { retryable: true, unavailable: true }
  if (typeof e.message === 'string' && code === '' && PG_CONNECTION_LOST.test(e.message)) return { retryable: true, unavailable: true }
  if (e instanceof Error && GenericError.isGenericError(e)) {
    // canRetry false says the client will not retry the request, not that it can never succeed: undecided.
    if ((e as { canRetry?: unknown }).canRetry === true) return { retryable: true, unavailable: true }
  }
  return {}
}

/** Classifies the error once and records the answer on it as `retryable` (when there is one). */
export function classify (err: unknown): Classified {
  if (err === null || typeof err !== 'object') return {}
  const known = cache.get(err)
  if (known) return known
  const e = err as { retryable?: unknown }
  const found = typeof e.retryable === 'boolean' ? { retryable: e.retryable, unavailable: false } : decide(err)
  if (found.retryable !== undefined && e.retryable === undefined && Object.isExtensible(err)) {
    Object.defineProperty(err, 'retryable', { value: found.retryable, enumerable: false, configurable: true })
  }
  cache.set(err, found)
  return found
}

/** True: try again as it is, uncounted (the database or network is away, or asked for a retry). */
export const isRetryable = (err: unknown) => classify(err).retryable === true
/** False said explicitly: this can never succeed, however often it is tried. */
export const isPermanent = (err: unknown) => classify(err).retryable === false
/** Retryable because a server cannot be reached (a 503), not because of a conflict between transactions. */
export const isUnavailable = (err: unknown) => classify(err).unavailable === true
