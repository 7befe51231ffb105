import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { badRequest } from '../errors.ts'

/** Shared pieces of the route schemas. */

export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() })))
}, { $id: 'ErrorBody' })

export const errorRef = Type.Unsafe<{ code: string, message: string }>({ $ref: 'ErrorBody#' })

/** Error responses of a route, for the OpenAPI document. */
export function errors (...statuses: number[]) {
  return Object.fromEntries(statuses.map(s => [s, errorRef]))
}

/** A timestamp: a Date from the database, written out as ISO 8601 in UTC. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' })
export const NullableTimestamp = Type.Unsafe<Date | string | null>({ type: ['string', 'null'], format: 'date-time' })
export const CalendarDate = Type.String({ format: 'date', maxLength: 10, description: 'YYYY-MM-DD' })

/**
 * Path ids: decimal digits, checked against PostgreSQL's bigint range by parseId. One canonical form: no
 * leading zero, so /bookings/01 is a 400, not a second name for booking 1.
 */
export const IdParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,24}$', description: 'must be a positive integer written without leading zeros' })
})

const INT8_MAX = 9223372036854775807n

/** A path id as text: exact for any bigint, refused when it is 0 or beyond 64 bits. */
export function parseId (raw: string, field = 'id'): string {
  const value = BigInt(raw)
  if (value < 1n || value > INT8_MAX) throw badRequest('must be a positive 64-bit integer', field)
  return value.toString()
}

/** A JSON body id: a positive integer JavaScript holds exactly. */
export const BodyId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

/** preValidation hook of the routes that take no body: an empty JSON object is tolerated, anything else is 400. */
export async function noBody (request: FastifyRequest) {
  const body = request.body
  if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)) return
  throw badRequest({ sentence: 'This request takes no body: send none, or an empty JSON object.' }, 'body')
}
