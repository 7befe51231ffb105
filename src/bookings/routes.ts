import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type TString } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { User } from '../auth/users.ts'
import type { Client, Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import type { Cursors } from '../http/paging.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import type { FastifyRequest } from 'fastify'
import { Block, BlockInput, BlockParams, blockDates, listBlocks, unblockDates } from './blocks.ts'
import { ownerBookings, travelerBookings } from './lists.ts'
import { BookingDetail, BookingInput, BookingReply, OwnerBookings, OwnerBookingsQuery, TravelerBookings, TravelerBookingsQuery } from './schemas.ts'
import { acceptBooking, cancelBooking, createBooking, getBooking, type AlongWith } from './service.ts'

/**
 * A message a request, an accept or a decline may carry (issue 19): the conversations feature's, given by the assembly
 * (this feature does not import it). Without it the routes take no message.
 */
export interface BookingMessages {
  /** The schema of a message's text, as the conversations document it. */
  text: TString
  /** The text as it is stored, or a 400 that says what is wrong with it: before anything is written. */
  check (raw: string, field: string): string
  /** Writes it in the booking's conversation (opened or continued), in the change's transaction; it may refuse (429). */
  write (tx: Client, user: User, bookingId: number, text: string): Promise<void>
}

/** An absent body is an empty one: accept and cancel take either, or { message }. */
async function noBodyIsEmpty (request: FastifyRequest) {
  if (request.body === undefined) request.body = {}
}

/**
 * maxAdvanceDays: how far ahead a stay or a block may start (BOOKING_MAX_ADVANCE_DAYS); maxPending: the pending
 * requests one traveler may hold (MAX_PENDING_PER_TRAVELER; none: no cap).
 */
export const bookingRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors, maxAdvanceDays?: number, maxPending?: number, messages?: BookingMessages }> = async (fastify, { pool, cursors, maxAdvanceDays = 730, maxPending, messages }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  // Without the conversations, a message is refused (never) rather than dropped.
  const message = { message: Type.Optional(messages?.text ?? Type.Never()) }
  /** The message of a change's body, checked, and what writes it along with the change; nothing without one. */
  const along = (user: User, { message: raw }: { message?: string }): AlongWith | undefined => {
    if (raw === undefined || !messages) return undefined
    const text = messages.check(raw, 'message')
    return async (tx, booking) => messages.write(tx, user, booking.id, text)
  }
  /** Accept and cancel: no body, an empty one, or (with messages) { message }. */
  const ChangeBody = Type.Object(message, { additionalProperties: false })
  const tooFast = messages ? errors(429) : {}
  const traveler = requireUser(pool, 'traveler')
  const owner = requireUser(pool, 'owner')
  const anyone = requireUser(pool)

  app.post('/api/bookings', {
    onRequest: traveler,
    schema: {
      tags: ['bookings'],
      operationId: 'createBooking',
      summary: 'Request a stay (travelers); publishes booking-created',
      security: SESSION,
      body: Type.Object({ ...BookingInput.properties, ...message }, { additionalProperties: false }),
      response: { 201: BookingReply, ...errors(400, 401, 403, 404, 409, 413), ...tooFast }
    }
  }, async (request, reply) => {
    const user = currentUser(request)
    const booking = await createBooking(pool, user.id, request.body, { along: along(user, request.body), maxPending, maxAdvanceDays })
    return reply.status(201).send({ booking })
  })

  app.get('/api/bookings/me', {
    onRequest: traveler,
    schema: {
      tags: ['bookings'],
      operationId: 'listMyBookings',
      summary: "The caller's bookings, newest first, paged (travelers)",
      security: SESSION,
      querystring: TravelerBookingsQuery,
      response: { 200: TravelerBookings, ...errors(400, 401, 403) }
    }
  }, async (request) => {
    const { id } = currentUser(request)
    return travelerBookings(pool, id, cursors.page(request.query, '/api/bookings/me', id))
  })

  app.get('/api/owner/bookings', {
    onRequest: owner,
    schema: {
      tags: ['bookings'],
      operationId: 'listOwnerBookings',
      summary: "Bookings on the caller's properties, newest first, paged (owners)",
      security: SESSION,
      querystring: OwnerBookingsQuery,
      response: { 200: OwnerBookings, ...errors(400, 401, 403) }
    }
  }, async (request) => {
    const { id } = currentUser(request)
    return ownerBookings(pool, id, cursors.page(request.query, '/api/owner/bookings', id), request.query.status)
  })

  app.get('/api/bookings/:id', {
    onRequest: anyone,
    schema: {
      tags: ['bookings'],
      operationId: 'getBooking',
      summary: "One booking with its property, both parties, its history and what the caller may do, for its traveler or its property's owner",
      security: SESSION,
      params: IdParams,
      response: { 200: BookingDetail, ...errors(400, 401, 403, 404) }
    }
  }, async (request) => getBooking(pool, currentUser(request), parseId(request.params.id)))

  /** Accept and cancel: one transition of the booking named in the path, by the caller, with a message or none. */
  const transitionRoute = (path: string, guard: typeof anyone, operationId: string, summary: string, change: typeof acceptBooking) =>
    app.post(path, {
      onRequest: guard,
      preValidation: noBodyIsEmpty,
      schema: {
        tags: ['bookings'],
        operationId,
        summary,
        security: SESSION,
        params: IdParams,
        body: ChangeBody,
        response: { 200: BookingReply, ...errors(400, 401, 403, 404, 409), ...tooFast }
      }
    }, async (request) => {
      const user = currentUser(request)
      return { booking: await change(pool, user, parseId(request.params.id), along(user, request.body)) }
    })
  transitionRoute('/api/bookings/:id/accept', owner, 'acceptBooking',
    "Accept a pending request whose first night is today or later (its property's owner); cancels overlapping requests; a message goes to the traveler with it", acceptBooking)
  transitionRoute('/api/bookings/:id/cancel', anyone, 'cancelBooking',
    "Cancel a booking (its traveler or its property's owner): decline or withdraw a request, or cancel a stay that has not begun (409 STAY_STARTED once it has); a message goes to the other party with it", cancelBooking)

  app.post('/api/properties/:id/blocks', {
    onRequest: owner,
    schema: {
      tags: ['properties'],
      operationId: 'blockDates',
      summary: 'Block nights of a property (its owner); declines the pending requests over them',
      security: SESSION,
      params: IdParams,
      body: BlockInput,
      response: {
        201: Type.Object({
          block: Block,
          cancelled_bookings: Type.Array(Type.Integer(), { description: 'the pending requests over those nights, declined (reason owner_declined)' })
        }),
        ...errors(400, 401, 403, 404, 409, 413)
      }
    }
  }, async (request, reply) => {
    return reply.status(201).send(await blockDates(pool, currentUser(request).id, parseId(request.params.id), request.body, maxAdvanceDays))
  })

  app.get('/api/properties/:id/blocks', {
    onRequest: owner,
    schema: {
      tags: ['properties'],
      operationId: 'listBlocks',
      summary: "A property's blocks not yet over, soonest first (its owner)",
      security: SESSION,
      params: IdParams,
      response: { 200: Type.Object({ blocks: Type.Array(Block) }), ...errors(400, 401, 403, 404) }
    }
  }, async (request) => listBlocks(pool, currentUser(request).id, parseId(request.params.id)))

  app.delete('/api/properties/:id/blocks/:block_id', {
    onRequest: owner,
    preValidation: noBody,
    schema: {
      tags: ['properties'],
      operationId: 'unblockDates',
      summary: 'Remove a block: its nights are free again (its owner)',
      security: SESSION,
      params: BlockParams,
      response: { 204: Type.Null({ description: 'unblocked' }), ...errors(400, 401, 403, 404, 413) }
    }
  }, async (request, reply) => {
    const { id, block_id: blockId } = request.params
    await unblockDates(pool, currentUser(request).id, parseId(id), parseId(blockId, 'block_id'))
    return reply.status(204).send(null)
  })
}
