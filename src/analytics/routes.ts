import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { errors } from '../http/schemas.ts'
import { AnalyticsQuery, AnalyticsReply } from './schemas.ts'
import { ownerAnalytics } from './service.ts'

export const analyticsRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/api/owner/analytics', {
    onRequest: requireUser(pool, 'owner'),
    schema: {
      tags: ['analytics'],
      operationId: 'getOwnerAnalytics',
      security: SESSION,
      summary: "The figures of the caller's properties per day and property, from the booking events (owners)",
      querystring: AnalyticsQuery,
      response: { 200: AnalyticsReply, ...errors(400, 401, 403, 404) }
    }
  }, async (request) => ownerAnalytics(pool, currentUser(request).id, request.query))
}
