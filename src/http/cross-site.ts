import type { FastifyReply, FastifyRequest } from 'fastify'
import { appError } from '../errors.ts'

// A browser attaches the session cookie to requests other sites make it send. SameSite=Lax stops most of them,
// but not those from sibling subdomains (same site) nor old browsers. A state-changing request must come from
// the app's own origin: its Origin header says so, or, without one, Sec-Fetch-Site. A request with neither
// (curl, server to server) carries no ambient browser credentials worth forging, and is let through.

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const crossSite = () => appError('CROSS_SITE_REQUEST')

/**
 * onRequest hook: 403 CROSS_SITE_REQUEST for an unsafe method from another origin. A route whose config says
 * `crossSiteAllowed` is let through: one that carries its own authority in the URL and ignores the cookie (the
 * one-click unsubscribe a mail client POSTs).
 */
export function refuseCrossSite (appOrigins: string[]) {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    if (!UNSAFE.has(request.method)) return
    if ((request.routeOptions.config as { crossSiteAllowed?: boolean } | undefined)?.crossSiteAllowed) return
    const origin = request.headers.origin
    if (origin !== undefined) {
      if (!isAppOrigin(origin, request, appOrigins)) throw crossSite()
      return
    }
    const site = request.headers['sec-fetch-site']
    // 'none': typed by the user or a bookmark; 'same-origin': the app itself.
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw crossSite()
  }
}

/**
 * Whether an Origin header names the app: one of APP_ORIGIN (scheme, host and port, exactly), or without it the
 * request's own scheme, host and port. An https page may also reach a request that arrived as http: a
 * TLS-terminating proxy that TRUST_PROXY does not name hides the scheme; never the other way round.
 */
export function isAppOrigin (origin: string, request: FastifyRequest, appOrigins: string[]): boolean {
  if (appOrigins.length > 0) return appOrigins.includes(origin)
  try {
    const { host, protocol } = new URL(origin)
    const scheme = protocol.slice(0, -1)
    return (scheme === request.protocol || scheme === 'https') && host === request.host
  } catch {
    return false // "null" (a sandboxed frame, a file) and anything unreadable
  }
}
