import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import { ownerBookings, travelerBookings } from './lists.ts'
import { BookingInput, BookingReply, OwnerBookings, OwnerBookingsQuery, TravelerBookings, TravelerBookingsQuery } from './schemas.ts'
import { acceptBooking, cancelBooking, createBooking, getBooking } from './service.ts'

export const bookingRoutes: FastifyPluginAsync<{ pool: Pool }> = async (fastify, { pool }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const traveler = requireUser(pool, 'traveler')
  const owner = requireUser(pool, 'owner')
  const anyone = requireUser(pool)

  app.post('/api/bookings', {
    onRequest: traveler,
    schema: {
      tags: ['bookings'], operationId: 'createBooking', summary: 'Request a stay (travelers); publishes booking-created', security: SESSION,
      body: BookingInput, response: { 201: BookingReply, ...errors(400, 401, 403, 404, 409, 413) }
    }
  }, async (request, reply) => {
    const booking = await createBooking(pool, currentUser(request).id, request.body)
    return reply.status(201).send({ booking })
  })

  app.get('/api/bookings/me', {
    onRequest: traveler,
    schema: {
      tags: ['bookings'], operationId: 'listMyBookings', summary: "The caller's bookings, newest first, paged (travelers)", security: SESSION,
      querystring: TravelerBookingsQuery, response: { 200: TravelerBookings, ...errors(400, 401, 403) }
    }
  }, async (request) => travelerBookings(pool, currentUser(request).id, request.query))

  app.get('/api/owner/bookings', {
    onRequest: owner,
    schema: {
      tags: ['bookings'], operationId: 'listOwnerBookings', summary: "Bookings on the caller's properties, newest first, paged (owners)", security: SESSION,
      querystring: OwnerBookingsQuery, response: { 200: OwnerBookings, ...errors(400, 401, 403) }
    }
  }, async (request) => ownerBookings(pool, currentUser(request).id, request.query))

  app.get('/api/bookings/:id', {
    onRequest: anyone,
    schema: {
      tags: ['bookings'], operationId: 'getBooking', summary: "One booking, for its traveler or its property's owner", security: SESSION,
      params: IdParams, response: { 200: BookingReply, ...errors(400, 401, 403, 404) }
    }
  }, async (request) => ({ booking: await getBooking(pool, currentUser(request), parseId(request.params.id)) }))

  app.post('/api/bookings/:id/accept', {
    onRequest: owner,
    preValidation: noBody,
    schema: {
      tags: ['bookings'], operationId: 'acceptBooking', summary: "Accept a pending request (its property's owner); cancels overlapping requests", security: SESSION,
      params: IdParams, response: { 200: BookingReply, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => ({ booking: await acceptBooking(pool, currentUser(request), parseId(request.params.id)) }))

  app.post('/api/bookings/:id/cancel', {
    onRequest: anyone,
    preValidation: noBody,
    schema: {
      tags: ['bookings'], operationId: 'cancelBooking', summary: "Cancel a booking (its traveler or its property's owner)", security: SESSION,
      params: IdParams, response: { 200: BookingReply, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => ({ booking: await cancelBooking(pool, currentUser(request), parseId(request.params.id)) }))
}
