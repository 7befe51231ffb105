import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { errors } from '../http/schemas.ts'

const Preferences = Type.Object({ email_notifications: Type.Boolean() })
const Reply = Type.Object({ preferences: Preferences })
// Every key optional (more will come), none unknown: a typo is a 400, not a silent no-op.
const Patch = Type.Object({ email_notifications: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 })

/** A user's preferences; a user who never set one has the defaults (no row). */
export async function preferencesOf (db: Queryable, userId: number) {
  const { rows: [row] } = await db.query('SELECT email_notifications FROM user_preferences WHERE user_id = $1', [userId])
  return { email_notifications: row?.email_notifications ?? true }
}

export const preferenceRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/me/preferences', {
    onRequest: requireUser(pool),
    schema: { tags: ['notifications'], operationId: 'getPreferences', summary: 'Your preferences (e-mail notifications on or off)', security: SESSION, response: { 200: Reply, ...errors(401) } }
  }, async (request) => ({ preferences: await preferencesOf(pool, currentUser(request).id) }))

  app.patch('/api/me/preferences', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['notifications'],
      operationId: 'updatePreferences',
      summary: 'Change your preferences',
      security: SESSION,
      body: Patch,
      response: { 200: Reply, ...errors(400, 401, 413) }
    }
  }, async (request) => {
    const user = currentUser(request).id
    const { email_notifications: email } = request.body
    await pool.query(
      `INSERT INTO user_preferences (user_id, email_notifications) VALUES ($1, coalesce($2, true))
       ON CONFLICT (user_id) DO UPDATE SET email_notifications = coalesce($2, user_preferences.email_notifications), updated_at = now()`,
      [user, email ?? null])
    return { preferences: await preferencesOf(pool, user) }
  })
}
