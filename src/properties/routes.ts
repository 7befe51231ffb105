import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, optionalUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { NextCursor, PageQuery, type Cursors } from '../http/paging.ts'
import { CalendarDate, errors, IdParams, parseId } from '../http/schemas.ts'
import { withPhotos } from '../photos/service.ts'
import { Calendar, CalendarQuery, propertyCalendar } from './calendar.ts'
import { Price, Property, PropertyInput, PropertyPatch, QuoteQuery, SearchQuery } from './schemas.ts'
import { createProperty, getProperty, ownerProperties, quoteStay, searchProperties, takenDates, TOTAL_BOUND, updateProperty, withRatings } from './service.ts'
import { markFavorites } from './favorites.ts'

const PropertyReply = Type.Object({ property: Property })
const OwnerPropertiesReply = Type.Object({ properties: Type.Array(Property), next_cursor: NextCursor })
const TakenReply = Type.Object({ taken: Type.Array(Type.Object({ start_date: CalendarDate, end_date: CalendarDate })) })
const OwnerPropertiesQuery = Type.Object(PageQuery, { additionalProperties: false })

export const propertyRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors }> = async (fastify, { pool, cursors }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/api/properties', {
    onRequest: requireUser(pool, 'owner'),
    schema: {
      tags: ['properties'],
      operationId: 'createProperty',
      summary: 'List a property (owners)',
      security: SESSION,
      body: PropertyInput,
      response: { 201: PropertyReply, ...errors(400, 401, 403, 413) }
    }
  }, async (request, reply) => {
    const property = await createProperty(pool, currentUser(request).id, request.body)
    return reply.status(201).send({ property: { ...property, photos: [] } })
  })

  app.patch('/api/properties/:id', {
    onRequest: requireUser(pool, 'owner'),
    schema: {
      tags: ['properties'],
      operationId: 'updateProperty',
      summary: "Change any of a property's fields, or unlist and relist it (its owner); bookings keep their price",
      security: SESSION,
      params: IdParams,
      body: PropertyPatch,
      response: { 200: PropertyReply, ...errors(400, 401, 403, 404, 413) }
    }
  }, async (request) => {
    const property = await updateProperty(pool, currentUser(request).id, parseId(request.params.id), request.body)
    return { property: (await withPhotos(pool, [property]))[0] }
  })

  // Anyone may read places; a signed-in reader also learns which of them they saved (`favorite`).
  const reader = optionalUser(pool)

  app.get('/api/properties/search', {
    onRequest: reader,
    schema: {
      tags: ['properties'],
      operationId: 'searchProperties',
      summary: 'Find properties by place, guests and free dates',
      querystring: SearchQuery,
      response: {
        200: Type.Object({
          properties: Type.Array(Property),
          total: Type.Integer({ description: 'how many match; when total_exact is false, more than this many match' }),
          total_exact: Type.Boolean({ description: `false when more than ${TOTAL_BOUND} match (or more than the page's end, paging past it)` })
        }),
        ...errors(400)
      }
    }
  }, async (request) => {
    const found = await searchProperties(pool, request.query)
    return { ...found, properties: await withRatings(pool, await markFavorites(pool, request.user?.id, await withPhotos(pool, found.properties))) }
  })

  app.get('/api/properties/:id', {
    onRequest: reader,
    schema: {
      tags: ['properties'],
      operationId: 'getProperty',
      summary: 'One property',
      params: IdParams,
      response: { 200: PropertyReply, ...errors(400, 404) }
    }
  }, async (request) => {
    const [property] = await withRatings(pool, await markFavorites(pool, request.user?.id, await withPhotos(pool, [await getProperty(pool, parseId(request.params.id))])))
    return { property }
  })

  app.get('/api/properties/:id/taken', {
    schema: {
      tags: ['properties'],
      operationId: 'getTakenDates',
      summary: 'The nights already taken at a property (accepted stays and blocks, not over), soonest first',
      params: IdParams,
      response: { 200: TakenReply, ...errors(400, 404) }
    }
  }, async (request) => takenDates(pool, parseId(request.params.id)))

  app.get('/api/properties/:id/calendar', {
    schema: {
      tags: ['properties'],
      operationId: 'getCalendar',
      summary: 'Each night of whole months at a property: free, taken or blocked (dates only, never who or why)',
      params: IdParams,
      querystring: CalendarQuery,
      response: { 200: Calendar, ...errors(400, 404) }
    }
  }, async (request) => propertyCalendar(pool, parseId(request.params.id), request.query))

  app.get('/api/properties/:id/quote', {
    schema: {
      tags: ['properties'],
      operationId: 'getQuote',
      summary: 'What a stay would cost, item by item: nights, cleaning fee, taxes, total (exact decimal strings)',
      params: IdParams,
      querystring: QuoteQuery,
      response: { 200: Type.Object({ currency: Type.String({ description: 'ISO 4217 code of the amounts' }), price: Price }), ...errors(400, 404) }
    }
  }, async (request) => quoteStay(pool, parseId(request.params.id), request.query.start_date, request.query.end_date))

  app.get('/api/owner/properties', {
    onRequest: requireUser(pool, 'owner'),
    schema: {
      tags: ['properties'],
      operationId: 'listOwnerProperties',
      summary: "The caller's properties, newest first, paged (owners)",
      security: SESSION,
      querystring: OwnerPropertiesQuery,
      response: { 200: OwnerPropertiesReply, ...errors(400, 401, 403) }
    }
  }, async (request) => {
    const { id } = currentUser(request)
    const page = await ownerProperties(pool, id, cursors.page(request.query, '/api/owner/properties', id))
    return { ...page, properties: await withPhotos(pool, page.properties) }
  })
}
