import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, appError, ERRORS, errorBody, type ErrorDetail } from '../errors.ts'
import { isDatabaseUnavailable, TransactionConflictError } from '../db/errors.ts'
import { describe } from './validation.ts'

interface ErrorBody { code: string, message: string, details?: ErrorDetail[] }

/** Each field's problem once (ajv may report one twice through two paths of a schema). */
const unique = (details: ErrorDetail[]) =>
  details.filter((d, i) => details.findIndex(o => o.field === d.field && o.message === d.message) === i)

/** The registry's error for an error thrown by Fastify, PostgreSQL or the network, if it is one we answer. */
function known (err: FastifyError & { code?: string }): AppError | undefined {
  if (err.validation) {
    const part = err.validationContext ?? 'body'
    const details = unique(err.validation.flatMap(e => describe(e as never, part) ?? []))
    // The sentences once each: three unknown fields are one "has a field it does not take" for a person.
    return appError('VALIDATION_ERROR', { sentences: [...new Set(details.map(d => d.message))].join(' ') }, details)
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return appError('PAYLOAD_TOO_LARGE')
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return appError('MALFORMED_JSON', { problem: 'is not valid JSON' })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return appError('MALFORMED_JSON', { problem: 'must be a JSON object' })
    // docs/http.md's status table has no 415: a body we cannot read is a bad request.
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return appError('UNSUPPORTED_MEDIA_TYPE')
    // exclusion_violation: the database refused an overlapping accepted stay
    case '23P01': return appError('DATES_UNAVAILABLE')
    case '23505': return appError('CONFLICT') // unique_violation
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return appError('MALFORMED_JSON', { problem: 'is not valid JSON' })
  if (isDatabaseUnavailable(err)) return appError('DATABASE_UNAVAILABLE')
  if (err instanceof TransactionConflictError) return appError('TRY_AGAIN')
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return appError('BAD_REQUEST', { reason: err.message })
  return undefined
}

/** Maps every error to the status and { code, message, details? } body of docs/http.md (Errors). */
export function toErrorResponse (err: FastifyError & { code?: string }): { status: number, body: ErrorBody } {
  const e = err instanceof AppError ? err : known(err) ?? appError('INTERNAL_ERROR')
  return { status: e.status, body: { code: e.code, message: e.message, ...(e.details && { details: e.details }) } }
}

/** The client went away while sending its body: its own doing, not our database or our code. */
const clientAborted = (err: FastifyError, request: FastifyRequest) =>
  request.raw.readableAborted || (err.code === 'ECONNRESET' && err.message === 'aborted')

export function errorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (clientAborted(err, request)) {
    request.log.debug({ method: request.method, url: request.url }, 'client aborted the request')
    return reply.status(ERRORS.CLIENT_ABORTED.status).send(errorBody('CLIENT_ABORTED'))
  }
  const { status, body } = toErrorResponse(err)
  if (status === 429 || status === 503) reply.header('retry-after', String((err as { retryAfter?: number }).retryAfter ?? 1))
  if (status >= 500) request.log.error({ err }, 'request failed')
  return reply.status(status).send(body)
}
