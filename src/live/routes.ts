import websocket from '@fastify/websocket'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import { hashToken, SESSION_COOKIE } from '../auth/sessions.ts'
import type { Config } from '../config.ts'
import type { Pool } from '../db/pool.ts'
import { appError, forbidden } from '../errors.ts'
import { errors } from '../http/schemas.ts'
import { Connection } from './connection.ts'
import type { Metrics } from '../metrics/registry.ts'
import { Hub } from './hub.ts'
import { startListener } from './listener.ts'

export type LiveConfig = Pick<Config, 'databaseUrl' | 'appOrigins' | 'livePingMs' | 'liveMaxSocketsPerUser' | 'liveMaxBufferedBytes' | 'liveSessionCheckMs'>

const Query = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'resume after this notification id' }))
}, { additionalProperties: false })

/**
 * The upgrade comes from the app's own page: APP_ORIGIN when set, otherwise the host the request was sent to.
 * A request with no Origin is not a browser's (browsers always send it on a WebSocket), so no one's cookie can be
 * borrowed through it: allowed.
 */
function checkOrigin (request: FastifyRequest, appOrigins: string[]) {
  const origin = request.headers.origin
  if (origin === undefined) return
  let ok = false
  try {
    ok = appOrigins.length > 0 ? appOrigins.includes(origin) : new URL(origin).host === request.headers.host
  } catch {}
  if (!ok) throw forbidden(`Live updates are only served to ${appOrigins.join(', ') || 'this site'}'s own pages.`)
}

/** GET /api/live: a WebSocket per signed-in tab, fed by the LISTEN of this process (see hub.ts and signal.ts). */
export const liveRoutes: FastifyPluginAsync<{ pool: Pool, config: LiveConfig, metrics?: Metrics }> = async (fastify, { pool, config, metrics }) => {
  const hub = new Hub({ db: pool, log: fastify.log as never, pingMs: config.livePingMs, sessionCheckMs: config.liveSessionCheckMs })
  metrics?.onScrape(() => { metrics.liveSockets.set(hub.size) })
  const listener = startListener({
    databaseUrl: config.databaseUrl,
    log: fastify.log as never,
    onSignal: s => hub.signal(s),
    onListening: first => { if (!first) hub.resync() }
  })
  await fastify.register(websocket, {
    options: { maxPayload: 1024 }, // the client has nothing to say but pongs
    // 1001 to every socket on shutdown, before the server stops (@fastify/websocket's default sends 1000).
    preClose: done => { hub.close().then(() => listener.stop()).then(() => fastify.websocketServer.close(() => done()), done) }
  })
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/live', {
    websocket: true,
    onRequest: [requireUser(pool), async request => {
      checkOrigin(request, config.appOrigins)
      if (hub.count(currentUser(request).id) >= config.liveMaxSocketsPerUser) {
        throw appError('LIVE_SOCKET_LIMIT', { max: config.liveMaxSocketsPerUser })
      }
    }],
    schema: { tags: ['notifications'], querystring: Query, response: errors(400, 401, 403, 429) }
  }, async (ws, request) => {
    const user = currentUser(request)
    const conn = new Connection(user.id, ws, hashToken(request.cookies[SESSION_COOKIE]!), config.liveMaxBufferedBytes, request.log)
    hub.add(conn) // first: what commits during the catch-up is held, not missed
    await conn.catchUp(pool, request.query.after, true)
  })
}
