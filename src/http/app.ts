import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import type { Pool } from '../db/pool.ts'
import { errorHandler } from './error-handler.ts'
import { openapiOptions } from './openapi.ts'
import { operationsRoutes } from './operations.ts'
import { ErrorBody } from './schemas.ts'
import { ERRORS, errorBody } from '../errors.ts'
import { validatorCompiler } from './validation.ts'

export interface AppOptions {
  pool: Pool
  logger: Logger
  /** Brokers /readyz checks; none configured means Kafka is not this process's concern. */
  kafkaBrokers: string[]
  /** Adds the features' routes (src/routes.ts): http/ assembles the server and knows no feature. */
  routes (app: FastifyInstance): Promise<void>
  /** The session cookie's name, for the OpenAPI security scheme. */
  sessionCookie: string
}

/** Every request body is small JSON; 64 KiB leaves a property description plenty of room. */
const BODY_LIMIT = 64 * 1024

export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true })
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) => {
    reply.status(ERRORS.NOT_FOUND.status).send(errorBody('NOT_FOUND', { what: `Route ${request.method} ${request.url.split('?')[0]}` }))
  })
  app.addSchema(ErrorBody)

  await app.register(swagger, openapiOptions(opts.sessionCookie))
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(cookie)

  await opts.routes(app)
  await app.register(operationsRoutes, { pool: opts.pool, kafkaBrokers: opts.kafkaBrokers })
  return app
}
