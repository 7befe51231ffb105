import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { notFound } from '../errors.ts'
import { SESSION } from '../http/openapi.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import { unreadCount } from './rows.ts'
import { Notification } from './routes.ts'

/** Read state: one notification, or all of them. */
export const inboxRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/api/notifications/:id/read', {
    onRequest: requireUser(pool),
    preValidation: noBody,
    schema: {
      tags: ['notifications'],
      operationId: 'markNotificationRead',
      summary: 'Mark one of your notifications read (idempotent)',
      security: SESSION,
      params: IdParams,
      response: { 200: Type.Object({ notification: Notification }), ...errors(400, 401, 404) }
    }
  }, async (request) => {
    // Idempotent: the first read_at stays. Someone else's notification is not found, as if it did not exist.
    const { rows: [notification] } = await pool.query(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2
       RETURNING id, type, booking_id, message, created_at, read_at`, [parseId(request.params.id), currentUser(request).id])
    if (!notification) throw notFound('Notification')
    return { notification }
  })

  app.post('/api/notifications/read-all', {
    onRequest: requireUser(pool),
    preValidation: noBody,
    schema: {
      tags: ['notifications'],
      operationId: 'markAllNotificationsRead',
      summary: 'Mark read every notification you had when the request arrived',
      security: SESSION,
      response: { 200: Type.Object({ unread_count: Type.Integer() }), ...errors(400, 401) }
    }
  }, async (request) => {
    const user = currentUser(request).id
    // One statement, one snapshot: what had committed when it started is marked; a notification arriving meanwhile
    // stays unread, and is counted in the answer.
    await pool.query('UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL', [user])
    return { unread_count: await unreadCount(pool, user) }
  })
}
