import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { accountRoutes } from './account/routes.ts'
import { AccountLinks } from './account/tokens.ts'
import { analyticsRoutes } from './analytics/routes.ts'
import { authRoutes } from './auth/routes.ts'
import type { ThrottleLimits } from './auth/throttle.ts'
import { bookingRoutes } from './bookings/routes.ts'
import type { Config } from './config.ts'
import type { Pool } from './db/pool.ts'
import { Cursors } from './http/paging.ts'
import { liveRoutes, type LiveConfig } from './live/routes.ts'
import { bookingMessages } from './messages/bookings.ts'
import { messageLoaders } from './messages/live.ts'
import { messageRoutes } from './messages/routes.ts'
import { inboxRoutes } from './notifications/inbox.ts'
import { notificationRoutes } from './notifications/routes.ts'
import { liveNotifications } from './notifications/rows.ts'
import { preferenceRoutes } from './notifications/preferences.ts'
import { UnsubscribeTokens, unsubscribeRoutes } from './notifications/unsubscribe.ts'
import { photoRoutes } from './photos/routes.ts'
import { favoriteRoutes } from './properties/favorites.ts'
import { propertyRoutes } from './properties/routes.ts'
import { reviewRoutes } from './reviews/routes.ts'
import { openStorage } from './storage/open.ts'
import type { Metrics } from './metrics/registry.ts'

/** The features' HTTP routes, for buildApp (http/ knows no feature; this composition root does). */
export type FeatureSettings = Pick<Config, 'sessionTtlHours' | 'cookieSecure' | 'bookingMaxAdvanceDays' | 'maxPendingPerTraveler' | 'cursorKey' | 'unsubscribeKey' | 'unsubscribeLinkTtlMs' |
  'mediaDir' | 's3' | 'photoMaxBytes' | 'photoMaxPixels' | 'photosPerProperty' | 'messagesPerMinute'> & ThrottleLimits

export function featureRoutes (pool: Pool, config: FeatureSettings & LiveConfig, metrics?: Metrics) {
  // Without CURSOR_KEY (hostly start: one API process), a key of this process's own.
  const cursors = new Cursors(config.cursorKey || randomBytes(32).toString('base64'))
  const storage = openStorage(config)
  const limits = { maxBytes: config.photoMaxBytes, maxPixels: config.photoMaxPixels, perProperty: config.photosPerProperty }
  return async (app: FastifyInstance) => {
    await app.register(authRoutes, { pool, sessionTtlHours: config.sessionTtlHours, cookieSecure: config.cookieSecure, throttle: config })
    // The account e-mails' links are signed with the key the e-mail service shares (src/account/tokens.ts).
    await app.register(accountRoutes, { pool, throttle: config, links: new AccountLinks(config.unsubscribeKey), storage })
    await app.register(propertyRoutes, { pool, cursors })
    await app.register(favoriteRoutes, { pool, cursors })
    await app.register(bookingRoutes, { pool, cursors, maxAdvanceDays: config.bookingMaxAdvanceDays, maxPending: config.maxPendingPerTraveler, messages: bookingMessages(config) })
    await app.register(notificationRoutes, { pool, cursors })
    await app.register(inboxRoutes, { pool })
    await app.register(preferenceRoutes, { pool })
    await app.register(unsubscribeRoutes, { pool, tokens: new UnsubscribeTokens(config.unsubscribeKey, config.unsubscribeLinkTtlMs) })
    await app.register(messageRoutes, { pool, cursors, settings: config })
    await app.register(reviewRoutes, { pool, cursors })
    await app.register(liveRoutes, { pool, config, metrics, notifications: liveNotifications, loaders: messageLoaders })
    await app.register(analyticsRoutes, { pool })
    await app.register(photoRoutes, { pool, storage, limits })
  }
}
