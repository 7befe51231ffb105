// The one error type the application throws on purpose. The HTTP error handler turns it into
// { code, message, details? } with its status; anything else is a bug and becomes a 500.

export interface ErrorDetail {
  field: string
  message: string
}

export class AppError extends Error {
  readonly status: number
  readonly code: string
  readonly details?: ErrorDetail[]

  constructor (status: number, code: string, message: string, details?: ErrorDetail[]) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

/** A 400 about one field: message reads after the field's name ("end_date must be after start_date"). */
export const badRequest = (message: string, field: string) =>
  new AppError(400, 'VALIDATION_ERROR', `${field} ${message}.`, [{ field, message }])
export const unauthorized = (message = 'Sign in first.') => new AppError(401, 'UNAUTHORIZED', message)
export const forbidden = (message: string) => new AppError(403, 'FORBIDDEN', message)
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found.`)
export const conflict = (code: string, message: string) => new AppError(409, code, message)
