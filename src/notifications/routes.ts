import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { NextCursor, PageQuery, type Cursors } from '../http/paging.ts'
import { errors, NullableTimestamp, Timestamp } from '../http/schemas.ts'
import { unreadCount } from './rows.ts'

export const Notification = Type.Object({
  id: Type.Integer(),
  type: Type.Union([Type.Literal('booking_requested'), Type.Literal('booking_accepted'), Type.Literal('booking_cancelled'), Type.Literal('review_published')]),
  booking_id: Type.Integer(),
  message: Type.String(),
  created_at: Timestamp,
  read_at: NullableTimestamp
})

const Query = Type.Object({
  ...PageQuery,
  unread: Type.Optional(Type.Boolean({ description: 'true: unread notifications only' }))
}, { additionalProperties: false })

export const notificationRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors }> = async (fastify, { pool, cursors }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/notifications', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['notifications'],
      operationId: 'listNotifications',
      summary: "The caller's notifications, newest first, paged",
      security: SESSION,
      querystring: Query,
      response: { 200: Type.Object({ notifications: Type.Array(Notification), next_cursor: NextCursor, unread_count: Type.Integer() }), ...errors(400, 401) }
    }
  }, async (request) => {
    // Newest first, a page at a time: the page's ids from the index notifications (user_id, id DESC), then
    // their rows (asked for rows at once, the planner may walk the primary key backwards, filtering on the user).
    const user = currentUser(request).id
    const page = cursors.page(request.query, '/api/notifications', user)
    const { limit, below } = page
    const { rows } = await pool.query(
      `SELECT n.id, n.type, n.booking_id, n.message, n.created_at, n.read_at
         FROM (SELECT id FROM notifications WHERE user_id = $1 ${below ? 'AND id < $4' : ''}
                  AND ($3::boolean IS NOT TRUE OR read_at IS NULL) ORDER BY id DESC LIMIT $2) page
         JOIN notifications n ON n.id = page.id
        ORDER BY n.id DESC`,
      [user, limit + 1, request.query.unread ?? null, ...(below ? [below] : [])])
    const { items, next_cursor } = page.finish(rows)
    return { notifications: items, next_cursor, unread_count: await unreadCount(pool, user) }
  })
}
