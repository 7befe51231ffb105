import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { appError } from '../errors.ts'
import { errors } from '../http/schemas.ts'

// One-click unsubscribe (RFC 8058). Every e-mail carries a link with a token signed under UNSUBSCRIBE_KEY: the
// user, the purpose and an expiry, HMAC-SHA256. Whoever holds the e-mail may turn e-mail off for that one person,
// without signing in; nobody can make a token for someone else, change one, or use one past UNSUBSCRIBE_LINK_TTL.
// Only POST unsubscribes (there is no GET): mail scanners and link prefetchers GET every link of a message.

const PURPOSE = 'unsubscribe-email'
const VERSION = 'u1'
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url')

export class UnsubscribeTokens {
  readonly #key: string
  readonly #ttlMs: number

  constructor (key: string, ttlMs: number) {
    this.#key = key
    this.#ttlMs = ttlMs
  }

  #sign (userId: number, expires: number): string {
    return b64(createHmac('sha256', this.#key).update(`${VERSION}\n${PURPOSE}\n${userId}\n${expires}`).digest())
  }

  /** A token for the user, good for UNSUBSCRIBE_LINK_TTL from now. */
  make (userId: number, now = Date.now()): string {
    const expires = Math.floor((now + this.#ttlMs) / 1000)
    return `${b64(`${VERSION}:${userId}:${expires}`)}.${this.#sign(userId, expires)}`
  }

  /** The user id of a token this key made and that has not expired; undefined otherwise. */
  read (token: string, now = Date.now()): number | undefined {
    const [payload, signature, ...rest] = token.split('.')
    if (signature === undefined || rest.length > 0) return undefined
    const match = /^u1:([1-9][0-9]{0,15}):([0-9]{1,12})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'))
    if (!match) return undefined
    const [userId, expires] = [Number(match[1]), Number(match[2])]
    // Compared whole, re-encoded: base64url decoding skips stray characters, a token must not.
    const expected = Buffer.from(`${b64(`${VERSION}:${userId}:${expires}`)}.${this.#sign(userId, expires)}`)
    const given = Buffer.from(token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return expires * 1000 > now ? userId : undefined
  }
}

/** l***@example.com: enough for a person to recognise their address, not enough to harvest it from a link. */
export function maskEmail (email: string): string {
  const at = email.lastIndexOf('@')
  return `${email.slice(0, 1)}***${email.slice(at)}`
}

const invalid = () => appError('INVALID_UNSUBSCRIBE_TOKEN', {}, [{ field: 'token', message: 'This unsubscribe link is not valid, or is too old.' }])

const Query = Type.Object({
  // Optional in the schema, so that a missing token is the same answer as a wrong one.
  token: Type.Optional(Type.String({ maxLength: 200, description: 'the token of the link in the e-mail' }))
}, { additionalProperties: false })

export const unsubscribeRoutes: FastifyPluginAsync<{ pool: Pool, tokens: UnsubscribeTokens }> = async (fastify, { pool, tokens }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  // RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` as a form (urlencoded or multipart). The body says
  // nothing the URL does not, so it is read and set aside, whatever its form (in this plugin only).
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'], { parseAs: 'string' },
    (_request, _body, done) => { done(null, {}) })

  app.post('/api/unsubscribe', {
    // A mail client's POST comes from no page of ours and carries no cookie: the token is its only authority.
    config: { crossSiteAllowed: true },
    schema: {
      // Read by openapi.ts: no 403 CROSS_SITE_REQUEST is documented for this route, as none is sent.
      'x-cross-site-allowed': true,
      tags: ['notifications'],
      operationId: 'unsubscribe',
      summary: 'Turn e-mail off for the person an e-mail was sent to (RFC 8058 one-click; no session)',
      querystring: Query,
      response: {
        200: Type.Object({ unsubscribed: Type.Literal(true), email: Type.String({ description: 'the address, masked: l***@example.com' }) }),
        ...errors(400, 413)
      }
    }
  }, async (request) => {
    const userId = request.query.token === undefined ? undefined : tokens.read(request.query.token)
    if (userId === undefined) throw invalid()
    const { rows: [user] } = await pool.query(
      `WITH off AS (
         INSERT INTO user_preferences (user_id, email_notifications) SELECT id, false FROM users WHERE id = $1
         ON CONFLICT (user_id) DO UPDATE SET email_notifications = false, updated_at = now()
       ) SELECT email FROM users WHERE id = $1`, [userId])
    if (!user) throw invalid() // a token of an account since deleted
    request.log.info({ userId }, 'e-mail turned off by an unsubscribe link')
    return { unsubscribed: true as const, email: maskEmail(user.email) }
  })
}
