import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDatabaseDown } from '../db/transient.ts'
import { AppError, type ErrorDetail } from '../errors.ts'
import { describe } from './validation.ts'

interface ErrorBody { code: string, message: string, details?: ErrorDetail[] }

/** Maps every error to the status and { code, message, details? } body of api.md. */
export function toErrorResponse (err: FastifyError & { code?: string }): { status: number, body: ErrorBody } {
  if (err instanceof AppError) {
    return { status: err.status, body: { code: err.code, message: err.message, ...(err.details && { details: err.details }) } }
  }
  if (err.validation) {
    const part = err.validationContext ?? 'body'
    const details = err.validation.map(e => describe(e as never, part))
    const message = details.map(d => `${d.field} ${d.message}`).join('; ')
    return { status: 400, body: { code: 'VALIDATION_ERROR', message: `Invalid ${part}: ${message}.`, details } }
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' } }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' } }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { code: 'MALFORMED_JSON', message: 'The request body must be a JSON object.' } }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // api.md's status table has no 415: a body we cannot read is a bad request.
      return { status: 400, body: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json.' } }
    case '23P01': // exclusion_violation: the database refused an overlapping accepted stay
      return { status: 409, body: { code: 'DATES_UNAVAILABLE', message: 'These dates overlap an accepted booking of this property.' } }
    case '23505':
      return { status: 409, body: { code: 'CONFLICT', message: 'This already exists.' } }
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return { status: 400, body: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' } }
  }
  if (isDatabaseDown(err)) {
    return { status: 503, body: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable right now; try again shortly.' } }
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: { code: err.code ?? 'BAD_REQUEST', message: err.message } }
  }
  return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.' } }
}

/** The client went away while sending its body: its own doing, not our database or our code. */
const clientAborted = (err: FastifyError, request: FastifyRequest) =>
  request.raw.readableAborted || (err.code === 'ECONNRESET' && err.message === 'aborted')

export function errorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (clientAborted(err, request)) {
    request.log.debug({ method: request.method, url: request.url }, 'client aborted the request')
    return reply.status(400).send({ code: 'CLIENT_ABORTED', message: 'The request was aborted before its body arrived.' })
  }
  const { status, body } = toErrorResponse(err)
  if (status === 429 || status === 503) reply.header('retry-after', String((err as { retryAfter?: number }).retryAfter ?? 1))
  if (status >= 500) request.log.error({ err }, 'request failed')
  return reply.status(status).send(body)
}
