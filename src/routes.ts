import type { FastifyInstance } from 'fastify'
import { analyticsRoutes } from './analytics/routes.ts'
import { authRoutes } from './auth/routes.ts'
import { bookingRoutes } from './bookings/routes.ts'
import type { Config } from './config.ts'
import type { Pool } from './db/pool.ts'
import { notificationRoutes } from './notifications/routes.ts'
import { propertyRoutes } from './properties/routes.ts'

/** The features' HTTP routes, for buildApp (http/ knows no feature; this composition root does). */
export type FeatureSettings = Pick<Config, 'sessionTtlHours' | 'cookieSecure' | 'bookingMaxAdvanceDays' | 'loginMaxPerAccountClient' |
  'loginMaxPerClient' | 'loginMaxPerAccount' | 'loginWindowMs' | 'registerMaxPerClient' | 'registerWindowMs'>

export function featureRoutes (pool: Pool, config: FeatureSettings) {
  return async (app: FastifyInstance) => {
    await app.register(authRoutes, { pool, sessionTtlHours: config.sessionTtlHours, cookieSecure: config.cookieSecure, throttle: config })
    await app.register(propertyRoutes, { pool })
    await app.register(bookingRoutes, { pool, maxAdvanceDays: config.bookingMaxAdvanceDays })
    await app.register(notificationRoutes, { pool })
    await app.register(analyticsRoutes, { pool })
  }
}
