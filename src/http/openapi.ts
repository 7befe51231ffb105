import type { SwaggerOptions } from '@fastify/swagger'

// The OpenAPI 3.1 document at /docs/json, built from the route schemas. Each route states its operationId,
// summary, `security: SESSION` when it needs a sign-in, and the errors its own code raises; completeResponses
// adds what every route can answer whatever its code (the body parser's 400 and 413, the database's 503, a
// bug's 500) and a description per status. test/openapi.test.ts validates the document and checks real
// responses of every operation against it.

/** A route schema's `security` when the route needs a session (requireUser). */
export const SESSION = [{ session: [] }]

const DESCRIPTIONS: Record<string, string> = {
  101: 'Switching Protocols: the WebSocket is open',
  200: 'Success',
  201: 'Created',
  204: 'Done; no body',
  400: 'Invalid input: malformed JSON, a missing, unknown or wrongly typed field, an impossible value, a bad cursor',
  401: 'No valid session (or, at sign-in, a wrong e-mail and password pair)',
  403: 'Signed in, but not allowed: wrong role, not your property, not your booking',
  404: 'No such resource, or one the caller may not know exists',
  409: 'Conflicts with the current state',
  413: 'Body larger than 64 KiB (a photo: larger than PHOTO_MAX_BYTES, or of more pixels than PHOTO_MAX_PIXELS)',
  415: 'The uploaded file is not an image of a type taken (JPEG, PNG, WebP), whatever its name or Content-Type',
  426: 'Upgrade Required: open this path as a WebSocket',
  429: 'Too many failed attempts; try again later',
  500: 'A fault on our side',
  503: 'A service this process needs (the database) is unavailable; try again shortly'
}

interface Operation { requestBody?: unknown, responses: Record<string, Record<string, unknown>>, 'x-raw-body'?: string[] }
type Doc = { paths?: Record<string, Record<string, Operation>> }

const errorResponse = (status: string) => ({
  description: DESCRIPTIONS[status],
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } }
})

/**
 * A route whose body is a file's bytes (a photo) says so with `'x-raw-body': [media types]` in its schema: it has no
 * JSON body schema for Fastify to validate (the bytes are checked by their route), so its requestBody is written here.
 */
const rawBody = (types: string[]) => ({
  required: true,
  description: "the file's bytes, as they are; what the file is, is read from them",
  content: Object.fromEntries(types.map(type => [type, { schema: { type: 'string', format: 'binary' } }]))
})

/** Adds the statuses every /api route can return, and a description to every response. */
function completeResponses (doc: Doc): Doc {
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const common = [
        // Fastify reads a POST's body before any handler: 400 for malformed JSON, 413 over the body limit.
        // Fastify reads the body of a POST or PATCH before any handler; every state-changing request from
        // another site is refused before its route (http/cross-site.ts).
        ...(method === 'post' || method === 'patch' ? ['400', ...((op as unknown as Record<string, unknown>)['x-cross-site-allowed'] ? [] : ['403']), '413'] : []),
        ...(path.startsWith('/api/') ? ['500', '503'] : [])
      ]
      for (const status of common) op.responses[status] ??= errorResponse(status)
      if (op['x-raw-body']) op.requestBody = rawBody(op['x-raw-body'])
      for (const [status, response] of Object.entries(op.responses)) {
        if (response.description === 'Default Response' && DESCRIPTIONS[status]) response.description = DESCRIPTIONS[status]
      }
    }
  }
  return doc
}

/** @fastify/swagger's options; the session cookie's name comes from the assembly (app.ts), so http/ imports no feature. */
export const openapiOptions = (sessionCookie: string): SwaggerOptions => ({
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Hostly Booking API',
      version: '1.0.0',
      description: 'Vacation rentals: properties, bookings, notifications. Errors are { code, message, details? }. ' +
        'Lists are paged by an opaque cursor: limit (1-100, default 20), cursor = the next_cursor of the page before.'
    },
    tags: [
      { name: 'auth', description: 'Accounts and sessions' },
      { name: 'properties', description: 'Listing and finding properties' },
      { name: 'favorites', description: 'The places a person saved' },
      { name: 'bookings', description: 'Requesting, accepting and cancelling stays' },
      { name: 'notifications', description: 'What happened to your bookings' },
      { name: 'reviews', description: 'Guests and hosts reviewing each other after a stay' },
      { name: 'analytics', description: "How an owner's properties do" },
      { name: 'photos', description: "Properties' photos and people's avatars" },
      { name: 'operations', description: 'Health and readiness' }
    ],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: sessionCookie, description: 'Set by register and login' }
      }
    }
  },
  // Shared schemas keep their $id as their name (components/schemas/ErrorBody), not def-0.
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  transformObject: (documentObject) => completeResponses((documentObject as { openapiObject: Doc }).openapiObject) as never
})
