import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { NextCursor, PageQuery, type Cursors, type Page } from '../http/paging.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import { withPhotos } from '../photos/service.ts'
import { Property } from './schemas.ts'
import { COLUMNS, getProperty } from './service.ts'

// A person's saved places. PUT and DELETE are idempotent (a second PUT keeps the first row and its time; deleting
// what is not saved is a success), so a double click or a retried request cannot disagree with the heart shown.

const P_COLUMNS = COLUMNS.split(',').map(c => `p.${c.trim()}`).join(', ')

export async function addFavorite (db: Queryable, userId: number, propertyId: string) {
  await getProperty(db, propertyId) // 404 for a property that does not exist
  await db.query('INSERT INTO favorites (user_id, property_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, propertyId])
}

export async function removeFavorite (db: Queryable, userId: number, propertyId: string) {
  await getProperty(db, propertyId)
  await db.query('DELETE FROM favorites WHERE user_id = $1 AND property_id = $2', [userId, propertyId])
}

/** The caller's favorites, most recently saved first; each property with `favorite: true`. */
export async function listFavorites (db: Queryable, userId: number, page: Page) {
  const { limit, below } = page
  const { rows } = await db.query(
    `SELECT f.id AS favorite_id, ${P_COLUMNS}, true AS favorite
       FROM (SELECT id FROM favorites WHERE user_id = $1 ${below ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2) page
       JOIN favorites f ON f.id = page.id JOIN properties p ON p.id = f.property_id
      ORDER BY f.id DESC`, [userId, limit + 1, ...(below ? [below] : [])])
  const { items, next_cursor } = page.finish(rows.map(({ favorite_id: id, ...property }) => ({ id, property })))
  return { properties: items.map(i => i.property), next_cursor }
}

/** Marks each property `favorite: true or false` for a signed-in reader; signed out, the field is left out. */
export async function markFavorites<T extends { id: number | string }> (db: Queryable, userId: number | undefined, properties: T[]) {
  if (userId === undefined || properties.length === 0) return properties
  const { rows } = await db.query({
    name: 'favorites-among',
    text: 'SELECT property_id FROM favorites WHERE user_id = $1 AND property_id = ANY($2::bigint[])',
    values: [userId, properties.map(p => p.id)]
  })
  const saved = new Set(rows.map(r => String(r.property_id)))
  return properties.map(p => ({ ...p, favorite: saved.has(String(p.id)) }))
}

const FavoritesQuery = Type.Object(PageQuery, { additionalProperties: false })
const FavoritesReply = Type.Object({ properties: Type.Array(Property), next_cursor: NextCursor })

export const favoriteRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors }> = async (fastify, { pool, cursors }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = requireUser(pool)

  app.put('/api/favorites/:id', {
    onRequest: signedIn,
    preValidation: noBody,
    schema: {
      tags: ['favorites'],
      operationId: 'addFavorite',
      summary: 'Save a property to your favorites (again is harmless)',
      security: SESSION,
      params: IdParams,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    await addFavorite(pool, currentUser(request).id, parseId(request.params.id))
    return reply.status(204).send(null)
  })

  app.delete('/api/favorites/:id', {
    onRequest: signedIn,
    preValidation: noBody,
    schema: {
      tags: ['favorites'],
      operationId: 'removeFavorite',
      summary: 'Take a property out of your favorites (harmless when it is not in them)',
      security: SESSION,
      params: IdParams,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    await removeFavorite(pool, currentUser(request).id, parseId(request.params.id))
    return reply.status(204).send(null)
  })

  app.get('/api/favorites', {
    onRequest: signedIn,
    schema: {
      tags: ['favorites'],
      operationId: 'listFavorites',
      summary: 'Your favorite properties, most recently saved first, paged',
      security: SESSION,
      querystring: FavoritesQuery,
      response: { 200: FavoritesReply, ...errors(400, 401) }
    }
  }, async (request) => {
    const { id } = currentUser(request)
    const page = await listFavorites(pool, id, cursors.page(request.query, '/api/favorites', id))
    return { ...page, properties: await withPhotos(pool, page.properties) }
  })
}
