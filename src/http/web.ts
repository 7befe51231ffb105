import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'

// The web app (web/, built by Vite into WEB_DIST) served by the API process itself, so one origin serves both:
// the CSP's 'self' covers the app's files, its fetches and its WebSocket, and the session cookie needs no CORS.
// Built file names carry a content hash (assets/index-3f2a….js), so those are cached for good; index.html is
// not (security-headers.ts gives it no-store), so a new build is picked up at the next load. The build writes a
// .br and a .gz beside each text file (scripts/build-web.ts): preCompressed sends the one Accept-Encoding allows.

/** Paths the app never owns: an unknown one there is the API's JSON 404, not the app's page. */
const SERVER_PREFIXES = ['/api', '/docs', '/healthz', '/readyz', '/metrics', '/assets', '/media']

/** A client-side route (/trips, /property/12): a GET for a page, not for a file or a server path. */
export function isClientRoute (request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  const path = request.url.split('?')[0]
  if (SERVER_PREFIXES.some(p => path === p || path.startsWith(p + '/'))) return false
  return !path.split('/').pop()!.includes('.')
}

/** Registers the built files when the folder has an index.html; answers whether it did. */
export async function serveWeb (app: FastifyInstance, dist: string): Promise<boolean> {
  const root = resolve(dist)
  if (!existsSync(resolve(root, 'index.html'))) {
    app.log.warn({ dist: root }, 'web app not built: `npm run build:web` builds it; the API runs without it')
    return false
  }
  // wildcard: false registers one route per file found now, so unknown paths reach the not-found handler below.
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, maxAge: '365d', immutable: true, preCompressed: true })
  return true
}

/** The SPA fallback: index.html for a client route, so a reload or a shared link opens the right page. */
export function sendApp (reply: FastifyReply) {
  return reply.type('text/html; charset=utf-8').sendFile('index.html')
}
