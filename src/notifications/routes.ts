import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { errors, NullableTimestamp, Timestamp } from '../http/schemas.ts'
import { unreadCount } from '../live/rows.ts'

export const Notification = Type.Object({
  id: Type.Integer(),
  type: Type.Union([Type.Literal('booking_requested'), Type.Literal('booking_accepted'), Type.Literal('booking_cancelled')]),
  booking_id: Type.Integer(),
  message: Type.String(),
  created_at: Timestamp,
  read_at: NullableTimestamp
})

const Query = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  unread: Type.Optional(Type.Boolean({ description: 'true: unread notifications only' }))
}, { additionalProperties: false })

export const notificationRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/notifications', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['notifications'],
      querystring: Query,
      response: { 200: Type.Object({ notifications: Type.Array(Notification), unread_count: Type.Integer() }), ...errors(400, 401) }
    }
  }, async (request) => {
    const { rows } = await pool.query(
      `SELECT id, type, booking_id, message, created_at, read_at FROM notifications
        WHERE user_id = $1 AND ($3::boolean IS NOT TRUE OR read_at IS NULL) ORDER BY id DESC LIMIT $2`,
      [currentUser(request).id, request.query.limit, request.query.unread ?? null])
    return { notifications: rows, unread_count: await unreadCount(pool, currentUser(request).id) }
  })
}
