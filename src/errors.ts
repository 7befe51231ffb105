// Every error code the API answers with, in one table: its status, its message and when it happens (as
// node_modules/fastify/lib/errors.js). A message's {name} parts are filled in where the error is thrown, and the
// compiler checks that each is given. docs/errors.md is this table in words; test/errors.test.ts keeps the two
// the same. The HTTP error handler turns an AppError into { code, message, details? } with its status;
// anything else is a bug and becomes INTERNAL_ERROR.

import { FieldLabel } from './field-labels.ts'

export interface ErrorDetail {
  field: string
  message: string
}

interface ErrorSpec {
  status: number
  message: string
  /** When a client meets it, for docs/errors.md. */
  when: string
}

export const ERRORS = {
  VALIDATION_ERROR: { status: 400, message: '{sentences}', when: 'A field of the body, query or path is missing, of the wrong type or out of bounds; `details` names each field (its wire name) and says in a sentence what is wrong with it; `message` is those sentences, in words for people, never naming a field by its wire name.' },
  MALFORMED_JSON: { status: 400, message: 'The request body {problem}.', when: 'The body is not JSON, or not a JSON object.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 400, message: 'Send the body as application/json.', when: 'The body has another content type.' },
  BAD_REQUEST: { status: 400, message: '{reason}', when: 'Another request the HTTP framework cannot read (a bad URL or Content-Length, say).' },
  CLIENT_ABORTED: { status: 400, message: 'The request was aborted before its body arrived.', when: 'The client closed the connection while sending its body (logged at debug: not an incident).' },
  INVALID_CURSOR: { status: 400, message: 'This list cannot go on from that page; start again from its first page.', when: 'A list asked for with a `cursor` that is not the `next_cursor` one of its pages gave the caller (made by hand, changed, another list\'s or person\'s, or signed with a replaced `CURSOR_KEY`).' },
  INVALID_UNSUBSCRIBE_TOKEN: { status: 400, message: 'This unsubscribe link is not valid, or is too old; sign in and turn e-mails off in your settings instead.', when: '`POST /api/unsubscribe` with a token Hostly did not make (forged, altered, cut short, or signed with a replaced `UNSUBSCRIBE_KEY`), one past `UNSUBSCRIBE_LINK_TTL`, or none.' },
  WRONG_PASSWORD: { status: 400, message: 'The current password is wrong.', when: 'Changing the password or the e-mail address, or deleting the account, with a password that is not the account\'s.' },
  INVALID_ACCOUNT_TOKEN: { status: 400, message: 'This link is not valid, was used already, or is too old; ask for a new one.', when: 'Resetting a password or confirming an e-mail change with a token Hostly did not send, one used already, one past its time, or one replaced by a newer link.' },
  UNAUTHORIZED: { status: 401, message: 'Sign in first.', when: 'The operation needs a session and the request has none, or an expired one.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The e-mail address or password is wrong.', when: 'Sign-in with an unknown address or a wrong password (the answer does not say which).' },
  FORBIDDEN: { status: 403, message: '{reason}', when: 'Signed in, but with the wrong role, or the booking or property belongs to someone else.' },
  CROSS_SITE_REQUEST: { status: 403, message: 'This request came from another site; state-changing requests are only accepted from the app itself.', when: 'A POST, PUT, PATCH or DELETE whose `Origin` (or `Sec-Fetch-Site`) is not the app\'s own (`APP_ORIGIN`).' },
  NOT_FOUND: { status: 404, message: '{what} not found.', when: 'No property, booking or route with that id or path.' },
  UPGRADE_REQUIRED: { status: 426, message: 'This is a WebSocket: open it with an Upgrade: websocket request.', when: '`GET /api/live` sent as a plain request, without the WebSocket upgrade (the answer says `Upgrade: websocket`).' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.', when: 'The request did not arrive whole within `REQUEST_TIMEOUT` (or its headers within `HEADERS_TIMEOUT`).' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.', when: 'The request headers are over Node\'s limit (16 KiB).' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.', when: 'The body is over 64 KiB.' },
  ACCOUNT_DELETED: { status: 409, message: 'This person deleted their account; messages can no longer reach them.', when: 'Writing a message (in a conversation, to a host, or about a booking) to a person who deleted their account; the conversation stays readable.' },
  EMAIL_TAKEN: { status: 409, message: 'This e-mail address is already registered.', when: 'Registering an address that has an account.' },
  DATES_UNAVAILABLE: { status: 409, message: 'These dates overlap an accepted booking of this property.', when: 'Requesting or accepting a stay that overlaps an accepted one.' },
  PROPERTY_UNLISTED: { status: 409, message: 'This place is not taking requests right now: its owner has unlisted it.', when: 'Requesting a stay at a property its owner unlisted (`listed: false`).' },
  DATES_BLOCKED: { status: 409, message: 'The owner has blocked some of these nights; choose other dates.', when: 'Requesting or accepting a stay over nights the owner blocked.' },
  BLOCK_OVER_STAY: { status: 409, message: 'An accepted stay holds some of these nights; cancel it first, or block the nights around it.', when: 'Blocking dates that overlap an accepted stay.' },
  BLOCK_OVER_BLOCK: { status: 409, message: 'Some of these nights are blocked already; unblock that block first, or block the nights around it.', when: 'Blocking dates that overlap another block of the property.' },
  INVALID_STATUS_TRANSITION: { status: 409, message: 'This booking is {from}; it cannot become {to}.', when: 'Accepting or cancelling a booking whose status does not allow it.' },
  STAY_STARTED: { status: 409, message: 'This stay has already begun, so it can no longer be cancelled here.', when: 'Cancelling an accepted stay (guest or host) whose first night is before today: it is under way or over. A pending request can still be withdrawn or declined.' },
  REQUEST_DATES_PASSED: { status: 409, message: 'The first night of this request has passed, so it can no longer be accepted; decline it, or ask the guest to request new dates.', when: 'Accepting a pending request whose first night is before today (it can still be declined, or it expires).' },
  OWN_PROPERTY: { status: 403, message: 'You cannot request a stay at your own place.', when: 'Requesting a stay at a property the caller owns (an account that both hosts and travels).' },
  TOO_MANY_PENDING_REQUESTS: { status: 409, message: 'You already have {count} pending requests; wait for an answer or cancel one first.', when: 'A traveler holding `MAX_PENDING_PER_TRAVELER` pending requests asks for another.' },
  STAY_NOT_REVIEWABLE: { status: 409, message: 'This booking is {status}: only a stay that took place can be reviewed.', when: 'Reviewing a booking that is pending or cancelled (only an accepted stay, once it has ended, can be reviewed).' },
  REVIEW_TOO_EARLY: { status: 409, message: 'This stay can be reviewed once it has ended, from {date}.', when: 'Reviewing an accepted stay before its check-out day.' },
  REVIEW_WINDOW_CLOSED: { status: 409, message: 'Reviews of this stay closed on {date}, 14 days after it ended.', when: 'Reviewing a stay more than 14 days after its check-out day.' },
  ALREADY_REVIEWED: { status: 409, message: 'You have reviewed this stay already; a review cannot be changed.', when: 'A party of a stay writing a second review of it (one review per party per stay).' },
  ALREADY_REPLIED: { status: 409, message: 'You have replied to this review already; a reply cannot be changed.', when: "The host replying a second time to a guest's review." },
  CONFLICT: { status: 409, message: 'This already exists.', when: 'Any other unique constraint the request runs into.' },
  TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many {what}; try again in {minutes} minutes.', when: 'A sign-in or registration throttle refuses the attempt: failed sign-ins for one account from one address, from one address, or for one account from every address, or registrations from one address, within their window (docs/security.md, Throttles); `Retry-After` says when to come back.' },
  TOO_MANY_MESSAGES: { status: 429, message: 'You can send at most {max} messages a minute; wait a minute, then send it again.', when: 'Writing a message (in a conversation, to a host, or with a booking) after `MESSAGE_RATE_PER_MINUTE` messages within the last minute; `Retry-After` says when to come back.' },
  LIVE_SOCKET_LIMIT: { status: 429, message: 'At most {max} live connections per person; close another tab.', when: 'Opening `GET /api/live` with `LIVE_MAX_SOCKETS_PER_USER` sockets already open on that API process.' },
  PHOTO_NOT_AN_IMAGE: { status: 415, message: 'This file is not a photo Hostly can read; send a JPEG, PNG or WebP image.', when: 'A photo or avatar upload whose bytes are not a JPEG, PNG or WebP image, whatever its name or `Content-Type` says (a text file named .jpg, an AVIF, a GIF), or with no body.' },
  PHOTO_HEIC: { status: 415, message: 'HEIC photos (an iPhone\'s usual format) cannot be read here; export the photo as JPEG and send that.', when: 'A photo or avatar upload whose bytes are a HEIC or HEIF image (an `ftyp` box naming heic, heix, mif1 and the like): the image library Hostly uses cannot decode HEVC.' },
  PHOTO_DAMAGED: { status: 400, message: 'This photo is damaged or cut short; export it again and send the new file.', when: 'A photo or avatar upload that starts as a JPEG, PNG or WebP image but cannot be decoded to the end (a truncated file, corrupt data).' },
  PHOTO_TOO_LARGE: { status: 413, message: 'A photo may be at most {max}; this one is larger.', when: 'A photo or avatar upload over `PHOTO_MAX_BYTES`.' },
  PHOTO_TOO_MANY_PIXELS: { status: 413, message: 'This photo is {width} × {height} pixels; at most {max} megapixels are taken.', when: 'A photo or avatar whose header declares more than `PHOTO_MAX_PIXELS` pixels (a decompression bomb, or a very large scan); refused before decoding.' },
  TOO_MANY_PHOTOS: { status: 409, message: 'A property may have at most {max} photos; delete one first.', when: 'Uploading a photo to a property that has `PHOTOS_PER_PROPERTY` already.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.', when: 'A bug; the server logs it.' },
  SERVER_BUSY: { status: 503, message: 'Too many sign-ins are being checked right now; try again in a moment.', when: 'More sign-ins or registrations at once than `HASH_CONCURRENCY` + `HASH_QUEUE`; `Retry-After` says when to come back.' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable right now; try again shortly.', when: 'PostgreSQL cannot be reached; nothing was written.' },
  TRY_AGAIN: { status: 503, message: 'This change collided with another one made at the same moment; try again.', when: 'PostgreSQL ended the request\'s transaction as a deadlock or a serialization failure (a message is tried three times first); nothing was written.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Only GET is served on the operations port.', when: 'A method other than GET or HEAD sent to the `METRICS_PORT` of the relay or a worker (`/healthz`, `/readyz`, `/metrics`).' },
  NOT_READY: { status: 503, message: 'Not ready: {down} unavailable.', when: '`GET /readyz` while the database or Kafka cannot be reached; `down` says why for each.' }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

/** The names of the {…} parts of a message. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never
type Params<C extends ErrorCode> = Record<Placeholders<(typeof ERRORS)[C]['message']>, string | number>
/** The arguments after the code: the message's parts (when it has any), then details. */
type Args<C extends ErrorCode> = [Placeholders<(typeof ERRORS)[C]['message']>] extends [never]
  ? [params?: Record<string, never>, details?: ErrorDetail[]]
  : [params: Params<C>, details?: ErrorDetail[]]

/** The message of the code with its parts filled in. */
export function errorMessage<C extends ErrorCode> (code: C, params: Record<string, string | number> = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]))
}

/** The JSON body of an error reply, for the few places that answer without throwing. */
export function errorBody<C extends ErrorCode> (code: C, ...[params, details]: Args<C>) {
  return { code, message: errorMessage(code, params), ...(details && { details }) }
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

/** The error of a registry entry, to throw: `throw appError('NOT_FOUND', { what: 'Booking' })`. */
export function appError<C extends ErrorCode> (code: C, ...[params, details]: Args<C>): AppError {
  return new AppError(ERRORS[code].status, code, errorMessage(code, params), details)
}

/**
 * A 400 about one field, in a sentence for people; `field` keeps the wire name. `problem` reads after the field's
 * label ('must be today or later' → "The check-in date must be today or later."), or is `{ sentence }` written whole.
 */
export function badRequest (problem: string | { sentence: string }, field: string): AppError {
  const message = typeof problem === 'string' ? `${FieldLabel(field)} ${problem.replace(/\.$/, '')}.` : problem.sentence
  return appError('VALIDATION_ERROR', { sentences: message }, [{ field, message }])
}
// message: kept for code written before the registry; the registry's message otherwise.
export const unauthorized = (message?: string) =>
  message ? new AppError(ERRORS.UNAUTHORIZED.status, 'UNAUTHORIZED', message) : appError('UNAUTHORIZED')
export const forbidden = (reason: string) => appError('FORBIDDEN', { reason })
export const notFound = (what: string) => appError('NOT_FOUND', { what })
