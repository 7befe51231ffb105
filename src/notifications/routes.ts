import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { currentUser, requireUser } from '../http/auth.ts'
import { SESSION } from '../http/openapi.ts'
import { NextCursor, PageQuery, readPage, toPage } from '../http/paging.ts'
import { errors, NullableTimestamp, Timestamp } from '../http/schemas.ts'

const Notification = Type.Object({
  id: Type.Integer(),
  type: Type.Union([Type.Literal('booking_requested'), Type.Literal('booking_accepted'), Type.Literal('booking_cancelled')]),
  booking_id: Type.Integer(),
  message: Type.String(),
  created_at: Timestamp,
  read_at: NullableTimestamp
})

const Query = Type.Object(PageQuery, { additionalProperties: false })

export const notificationRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/notifications', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['notifications'], operationId: 'listNotifications', summary: "The caller's notifications, newest first, paged", security: SESSION,
      querystring: Query,
      response: { 200: Type.Object({ notifications: Type.Array(Notification), next_cursor: NextCursor }), ...errors(400, 401) }
    }
  }, async (request) => {
    // Newest first, a page at a time, from the index notifications (user_id, id DESC).
    const { limit, below } = readPage(request.query)
    const { rows } = await pool.query(
      `SELECT id, type, booking_id, message, created_at, read_at FROM notifications
        WHERE user_id = $1 ${below ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2`,
      [currentUser(request).id, limit + 1, ...(below ? [below] : [])])
    const { items, next_cursor } = toPage(rows, limit)
    return { notifications: items, next_cursor }
  })
}
