// The error a handler throws for an event that can never succeed however often it is tried: it contradicts the
// database, or a mail server refused its message for good. As the database's errors (db/errors.ts) and
// @platformatic/kafka's: a class with a stable `code` and `canRetry`, so retry-policy.ts decides by the class.

/** An event to dead-letter at once, with the message as the reason (retry-policy.ts). */
export class PermanentEventError extends Error {
  readonly code: string
  readonly canRetry = false
  constructor (code: string, message: string) {
    super(message)
    this.code = code
    this.name = new.target.name
  }
}
