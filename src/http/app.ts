import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import { authRoutes } from '../auth/routes.ts'
import { bookingRoutes } from '../bookings/routes.ts'
import type { Pool } from '../db/pool.ts'
import { notificationRoutes } from '../notifications/routes.ts'
import { propertyRoutes } from '../properties/routes.ts'
import { errorHandler } from './error-handler.ts'
import { operationsRoutes } from './operations.ts'
import { ErrorBody } from './schemas.ts'
import { ERRORS, errorBody } from '../errors.ts'
import { validatorCompiler } from './validation.ts'

export interface AppOptions {
  pool: Pool
  logger: Logger
  /** Brokers /readyz checks; none configured means Kafka is not this process's concern. */
  kafkaBrokers: string[]
  sessionTtlHours: number
  cookieSecure: boolean
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

  await app.register(swagger, {
    openapi: {
      info: { title: 'Hostly Booking API', version: '1.0.0', description: 'Vacation rentals: properties, bookings, notifications.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'hostly_session' } } }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(cookie)

  const { pool } = opts
  await app.register(authRoutes, { pool, sessionTtlHours: opts.sessionTtlHours, cookieSecure: opts.cookieSecure })
  await app.register(propertyRoutes, { pool })
  await app.register(bookingRoutes, { pool })
  await app.register(notificationRoutes, { pool })
  await app.register(operationsRoutes, { pool, kafkaBrokers: opts.kafkaBrokers })
  return app
}
