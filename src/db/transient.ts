/** PostgreSQL error codes that mean "the database is not there right now", not "the request is wrong". */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '40001', '40P01'])

/**
 * True for errors worth retrying as they are: the server went away, refused or dropped the connection,
 * or a serialization failure or deadlock asked for a retry.
 */
export function isTransient (err: unknown): boolean {
  const e = err as { code?: string, message?: string }
  return UNAVAILABLE.has(e.code ?? '') || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' ||
    /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed/i.test(e.message ?? '')
}

/** Transient, and specifically about the server being unreachable (a 503, not a retryable conflict). */
export const isDatabaseDown = (err: unknown) => isTransient(err) && !['40001', '40P01'].includes((err as { code?: string }).code ?? '')
