import type { FastifyReply, FastifyRequest } from 'fastify'
import { appError } from '../errors.ts'

// A browser attaches the session cookie to requests other sites make it send. SameSite=Lax stops most of them,
// but not those from sibling subdomains (same site) nor old browsers. A state-changing request must come from
// the app's own origin: its Origin header says so, or, without one, Sec-Fetch-Site. A request with neither
// (curl, server to server) carries no ambient browser credentials worth forging, and is let through.

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const crossSite = () => appError('CROSS_SITE_REQUEST')

/** onRequest hook: 403 CROSS_SITE_REQUEST for an unsafe method from another origin. */
export function refuseCrossSite (appOrigins: string[]) {
  const allowed = new Set(appOrigins)
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    if (!UNSAFE.has(request.method)) return
    const origin = request.headers.origin
    if (origin !== undefined) {
      if (!sameOrigin(origin, request, allowed)) throw crossSite()
      return
    }
    const site = request.headers['sec-fetch-site']
    // 'none': typed by the user or a bookmark; 'same-origin': the app itself.
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw crossSite()
  }
}

function sameOrigin (origin: string, request: FastifyRequest, allowed: Set<string>): boolean {
  if (allowed.size > 0) return allowed.has(origin)
  // No APP_ORIGIN: the app is wherever this request was sent. The scheme is not compared (a TLS-terminating
  // proxy makes it look like http here); the host and port are.
  try {
    const { host, protocol } = new URL(origin)
    return /^https?:$/.test(protocol) && host === request.host
  } catch {
    return false // "null" (a sandboxed frame, a file) and anything unreadable
  }
}
