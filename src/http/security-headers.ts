import type { FastifyReply, FastifyRequest } from 'fastify'

// A small onSend hook rather than @fastify/helmet: the set is short and fixed, it is one dependency fewer, and
// what each header is for is written here. The CSP allows only same-origin scripts, styles, images and
// connections, and no inline script: the /docs viewer (@fastify/swagger-ui loads its scripts and styles from
// files, as its own staticCSP option assumes) and a React app built to static files both run under it.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "script-src-attr 'none'", "style-src 'self'", "img-src 'self' data:",
  "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

const FIXED: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

const CACHEABLE = ['/docs', '/assets/', '/media/']

/** onSend hook: the security headers on every response; no-store on every API and operations answer. */
export function securityHeaders (opts: { hsts: boolean }) {
  const headers = opts.hsts ? { ...FIXED, 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : FIXED
  return async function (request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    reply.headers(headers)
    // Everything under /api may be someone's private data (a booking, a session's user): no cache keeps it.
    // The viewer's static files under /docs, the web app's hashed files under /assets and the photos' files under
    // /media (content-addressed: their route sets a year) may be cached.
    if (!CACHEABLE.some(prefix => request.url.startsWith(prefix))) reply.header('cache-control', 'no-store')
    return payload
  }
}
