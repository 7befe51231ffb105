import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import type { Pool } from '../db/pool.ts'
import { loadConfig, type Config } from '../config.ts'
import { clientErrorHandler } from './client-errors.ts'
import { compressAnswers } from './compression.ts'
import { refuseCrossSite } from './cross-site.ts'
import { errorHandler } from './error-handler.ts'
import { openapiOptions } from './openapi.ts'
import { operationsRoutes } from './operations.ts'
import { securityHeaders } from './security-headers.ts'
import { ErrorBody } from './schemas.ts'
import { ERRORS, errorBody } from '../errors.ts'
import { observeRequests } from '../metrics/http.ts'
import type { Metrics } from '../metrics/registry.ts'
import { validatorCompiler } from './validation.ts'
import { isClientRoute, sendApp, serveWeb } from './web.ts'
import { traceRequests } from './tracing.ts'
import { tracing } from '../tracing/spans.ts'

export interface AppOptions {
  pool: Pool
  logger: Logger
  /** Brokers /readyz checks; none configured means Kafka is not this process's concern. */
  kafkaBrokers: string[]
  /** Adds the features' routes (src/routes.ts): http/ assembles the server and knows no feature. */
  routes (app: FastifyInstance): Promise<void>
  /** The session cookie's name, for the OpenAPI security scheme. */
  sessionCookie: string
  /** Set HSTS (the cookie is Secure: the app is served over HTTPS). */
  cookieSecure: boolean
  /** Proxies, origins, docs and timeouts (docs/security.md): the defaults of loadConfig when left out. */
  security?: SecurityOptions
  /** Times every request into it (its /metrics is on METRICS_PORT, metrics/server.ts); none: not timed. */
  metrics?: Metrics
  /** The built web app's folder (WEB_DIST); served at / when it holds an index.html. */
  webDist?: string
}

export type SecurityOptions = Pick<Config, 'trustProxy' | 'appOrigins' | 'docsEnabled' | 'requestTimeoutMs' |
  'headersTimeoutMs' | 'connectionTimeoutMs' | 'keepAliveTimeoutMs' | 'maxRequestsPerSocket' | 'maxConnections'>

/** Every request body is small JSON; 64 KiB leaves a property description plenty of room. */
const BODY_LIMIT = 64 * 1024

export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const sec = opts.security ?? loadConfig({})
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    // The client address (request.ip) is the right-most X-Forwarded-For address that is not one of these proxies.
    trustProxy: sec.trustProxy.length > 0 ? sec.trustProxy : false,
    // Slow and idle clients are cut off: a whole request within requestTimeout, its headers within
    // headersTimeout, no socket silent for connectionTimeout. Node checks the first two every
    // connectionsCheckingInterval, so that is kept well below them.
    requestTimeout: sec.requestTimeoutMs,
    connectionTimeout: sec.connectionTimeoutMs,
    keepAliveTimeout: sec.keepAliveTimeoutMs,
    maxRequestsPerSocket: sec.maxRequestsPerSocket,
    http: {
      headersTimeout: Math.min(sec.headersTimeoutMs, sec.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(sec.headersTimeoutMs / 4)))
    },
    clientErrorHandler
  })
  app.server.maxConnections = sec.maxConnections
  if (tracing()) traceRequests(app) // first, so that every later hook runs in the request's span
  app.addHook('onRequest', refuseCrossSite(sec.appOrigins))
  app.addHook('onSend', securityHeaders({ hsts: opts.cookieSecure }))
  // Once the API is stopping, every answer closes its connection. A keep-alive connection whose request was in flight
  // when the stop began was left open and idle after its answer, and held the stop until the drain's cut-off
  // (services.ts, closeApp): Node closes idle connections once, when the stop begins.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })
  if (opts.metrics) app.addHook('onResponse', observeRequests(opts.metrics))
  app.setValidatorCompiler(validatorCompiler)
  app.setErrorHandler(errorHandler)
  let web = false
  app.setNotFoundHandler((request, reply) => {
    if (web && isClientRoute(request)) return sendApp(reply)
    reply.status(ERRORS.NOT_FOUND.status).send(errorBody('NOT_FOUND', { what: `Route ${request.method} ${request.url.split('?')[0]}` }))
  })
  app.addSchema(ErrorBody)

  await compressAnswers(app)
  await app.register(swagger, openapiOptions(opts.sessionCookie))
  if (sec.docsEnabled) await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(cookie)

  if (opts.webDist) web = await serveWeb(app, opts.webDist)
  await opts.routes(app)
  await app.register(operationsRoutes, { pool: opts.pool, kafkaBrokers: opts.kafkaBrokers })
  return app
}
