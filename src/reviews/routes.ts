import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import { transaction, type Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import type { Cursors } from '../http/paging.ts'
import { errors, IdParams, parseId } from '../http/schemas.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { PropertyReviews, PropertyReviewsQuery, ReplyInput, ReviewInput, ReviewReply, StayReviews, WriteReply } from './schemas.ts'
import { propertyRating, propertyReviews, replyToReview, stayReviews, writeReview } from './store.ts'
import { checkReviewText } from './text.ts'

/** Review routes: a stay's reviews and writing one (its two parties), a place's reviews (anyone), the host's reply. */
export const reviewRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors }> = async (fastify, { pool, cursors }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const anyone = requireUser(pool)

  app.get('/api/bookings/:id/reviews', {
    onRequest: anyone,
    schema: {
      tags: ['reviews'],
      operationId: 'getStayReviews',
      summary: "A stay's reviews as one of its two parties sees them: their own, the other's once published (double-blind), and the review window",
      security: SESSION,
      params: IdParams,
      response: { 200: StayReviews, ...errors(400, 401, 403, 404) }
    }
  }, async (request) => stayReviews(pool, currentUser(request).id, parseId(request.params.id)))

  app.post('/api/bookings/:id/reviews', {
    onRequest: anyone,
    schema: {
      tags: ['reviews'],
      operationId: 'writeReview',
      summary: 'Review the other party of an accepted stay, once, within 14 days of its end; published (review-published) when both have written or the window closes',
      security: SESSION,
      params: IdParams,
      body: ReviewInput,
      response: { 201: WriteReply, ...errors(400, 401, 403, 404, 409, 413) }
    }
  }, async (request, reply) => {
    const user = currentUser(request)
    const bookingId = parseId(request.params.id)
    const comment = checkReviewText(request.body.comment, 'comment')
    const written = await transaction(pool, tx => writeReview(tx, user.id, bookingId, request.body.rating, comment))
    if (written.published) wakeRelay(pool)
    return reply.status(201).send(written)
  })

  app.get('/api/properties/:id/reviews', {
    schema: {
      tags: ['reviews'],
      operationId: 'listPropertyReviews',
      summary: "A place's average rating and its guests' published reviews, newest first, with the host's replies, paged",
      params: IdParams,
      querystring: PropertyReviewsQuery,
      response: { 200: PropertyReviews, ...errors(400, 404) }
    }
  }, async (request) => {
    const propertyId = parseId(request.params.id)
    const rating = await propertyRating(pool, propertyId)
    // One list for every reader: public, so its cursors are signed for reader 0.
    const page = await propertyReviews(pool, propertyId, cursors.page(request.query, `/api/properties/${propertyId}/reviews`, 0))
    return { rating, ...page }
  })

  app.post('/api/reviews/:id/reply', {
    onRequest: anyone,
    schema: {
      tags: ['reviews'],
      operationId: 'replyToReview',
      summary: "The host's public reply to a guest's published review of their place, once",
      security: SESSION,
      params: IdParams,
      body: ReplyInput,
      response: { 200: ReviewReply, ...errors(400, 401, 403, 404, 409, 413) }
    }
  }, async (request) => {
    const reply = checkReviewText(request.body.reply, 'reply')
    return { review: await replyToReview(pool, currentUser(request).id, parseId(request.params.id), reply) }
  })
}
