import websocket from '@fastify/websocket'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import { SESSION_CHANNEL, sessionCache } from '../auth/session-cache.ts'
import { hashToken, SESSION_COOKIE } from '../auth/sessions.ts'
import type { Config } from '../config.ts'
import type { Pool } from '../db/pool.ts'
import { appError, errorBody, ERRORS, forbidden } from '../errors.ts'
import { isAppOrigin } from '../http/cross-site.ts'
import { SESSION } from '../http/openapi.ts'
import { errorRef, errors } from '../http/schemas.ts'
import { Connection } from './connection.ts'
import type { Metrics } from '../metrics/registry.ts'
import { Hub, type RowLoader } from './hub.ts'
import type { NotificationSource } from './rows.ts'
import { startListener } from './listener.ts'

export type LiveConfig = Pick<Config, 'databaseUrl' | 'appOrigins' | 'livePingMs' | 'liveMaxSocketsPerUser' | 'liveMaxBufferedBytes' | 'liveSessionCheckMs' |
  'sessionCacheMs' | 'sessionCacheSize'>

const Query = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'resume after this notification id' }))
}, { additionalProperties: false })

/**
 * The upgrade comes from the app's own page (isAppOrigin: scheme, host and port). A request with no Origin is not
 * a browser's (browsers always send it on a WebSocket), so no one's cookie can be borrowed through it: allowed.
 */
function checkOrigin (request: FastifyRequest, appOrigins: string[]) {
  const origin = request.headers.origin
  if (origin !== undefined && !isAppOrigin(origin, request, appOrigins)) {
    throw forbidden(`Live updates are only served to ${appOrigins.join(', ') || 'this site'}'s own pages.`)
  }
}

/**
 * An error on an open socket. ws raises WS_ERR_* when the client breaks the protocol (a frame over maxPayload, a
 * bad opcode, an unmasked frame): the client's fault, said at warn without a stack; ws has closed the socket.
 */
function socketError (error: Error & { code?: string }, socket: { terminate (): void }, request: FastifyRequest) {
  if (error.code?.startsWith('WS_ERR_')) {
    request.log.warn({ userId: request.user?.id, code: error.code, reason: error.message }, 'live: the client broke the WebSocket protocol, socket closed')
  } else {
    request.log.error(error)
  }
  socket.terminate()
}

/** GET /api/live: a WebSocket per signed-in tab, fed by the LISTEN of this process (see hub.ts and signal.ts). */
export const liveRoutes: FastifyPluginAsync<{ pool: Pool, config: LiveConfig, metrics?: Metrics, notifications: NotificationSource, loaders?: Record<string, RowLoader> }> = async (fastify, { pool, config, metrics, notifications, loaders }) => {
  const hub = new Hub({ db: pool, notifications, loaders, log: fastify.log as never, pingMs: config.livePingMs, sessionCheckMs: config.liveSessionCheckMs })
  metrics?.onScrape(() => { metrics.liveSockets.set(hub.size) })
  // The session cache of this process serves only while this LISTEN is up (auth/session-cache.ts).
  const sessions = sessionCache(pool)
  sessions.configure({ ttlMs: config.sessionCacheMs, size: config.sessionCacheSize })
  const listener = startListener({
    databaseUrl: config.databaseUrl,
    log: fastify.log as never,
    onSignal: s => hub.signal(s),
    // Every time, the first included: a socket can open before this process first LISTENs (a replica just started,
    // already sent sockets by the proxy), and what committed between its catch-up and the LISTEN would be missed.
    onListening: () => { sessions.up(() => listener.sync()); hub.resync() },
    channels: { [SESSION_CHANNEL]: payload => sessions.revoke(payload) },
    onDown: () => sessions.down()
  })
  await fastify.register(websocket, {
    options: { maxPayload: 1024 }, // the client has nothing to say but pongs
    errorHandler: socketError,
    // 1001 to every socket on shutdown, before the server stops (@fastify/websocket's default sends 1000).
    preClose: done => { hub.close().then(() => listener.stop()).then(() => fastify.websocketServer.close(() => done()), done) }
  })
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.route({
    method: 'GET',
    url: '/api/live',
    onRequest: [requireUser(pool), async request => {
      checkOrigin(request, config.appOrigins)
      if (request.ws && hub.count(currentUser(request).id) >= config.liveMaxSocketsPerUser) {
        throw appError('LIVE_SOCKET_LIMIT', { max: config.liveMaxSocketsPerUser })
      }
    }],
    schema: {
      tags: ['notifications'],
      operationId: 'openLiveUpdates',
      summary: 'A WebSocket of the caller\'s notifications and booking changes, as they happen (docs/http.md, Live updates)',
      security: SESSION,
      querystring: Query,
      response: { 101: Type.Null(), 426: errorRef, ...errors(400, 401, 403, 429) }
    },
    // A plain GET, without the upgrade: say what this path is, in the error shape (RFC 9110: 426 names the upgrade).
    handler: async (_request, reply) => reply.status(ERRORS.UPGRADE_REQUIRED.status).header('upgrade', 'websocket')
      .header('connection', 'Upgrade').send(errorBody('UPGRADE_REQUIRED')),
    wsHandler: async (ws, request) => {
      const user = currentUser(request)
      const conn = new Connection(user.id, ws, hashToken(request.cookies[SESSION_COOKIE]!), config.liveMaxBufferedBytes, request.log)
      hub.add(conn) // first: what commits during the catch-up is held, not missed
      await conn.catchUp(pool, notifications, request.query.after, true)
    }
  })
}
