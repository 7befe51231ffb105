import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { User } from '../auth/users.ts'
import { retriedTransaction, type Client, type Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import type { Cursors } from '../http/paging.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import { signalLive } from '../live/signal.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { markRead, messagePage, threadOfBooking, threadPage, threadView, unreadMessages } from './inbox.ts'
import { MessageInput, MessagePage, MessageReply, MessagesQuery, ReadReply, ThreadList, ThreadsQuery } from './schemas.ts'
import { bookingThread, checkReachable, claimSend, questionThread, threadFor, writeMessage, type ThreadRow } from './store.ts'
import { checkMessage } from './text.ts'
import { LIVE_KINDS } from './live.ts'

export interface MessageSettings { messagesPerMinute: number }

/** Thread routes: the inbox, a thread's pages, writing, read receipts, and the two ways a thread opens. */
export const messageRoutes: FastifyPluginAsync<{ pool: Pool, cursors: Cursors, settings: MessageSettings }> = async (fastify, { pool, cursors, settings }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const anyone = requireUser(pool)

  /**
   * Checks the text, then writes it in the thread `open` finds or makes, in one transaction, taking its locks in
   * store.ts's one order (run again should PostgreSQL still end it as a deadlock's victim); wakes the relay.
   */
  async function post (user: User, raw: string, open: (tx: Client) => Promise<ThreadRow>) {
    const text = checkMessage(raw, 'text')
    const message = await retriedTransaction(pool, async tx => {
      await claimSend(tx, user.id, settings.messagesPerMinute)
      const thread = await open(tx)
      await checkReachable(tx, thread, user.id)
      return writeMessage(tx, thread, user.id, text)
    })
    wakeRelay(pool)
    return { message }
  }

  app.get('/api/threads', {
    onRequest: anyone,
    schema: {
      tags: ['messages'],
      operationId: 'listThreads',
      summary: "The caller's conversations, the newest message first, with their unread counts, paged; with booking_id, that booking's",
      security: SESSION,
      querystring: ThreadsQuery,
      response: { 200: ThreadList, ...errors(400, 401) }
    }
  }, async (request) => {
    const { id } = currentUser(request)
    const { booking_id: bookingId } = request.query
    const list = bookingId === undefined
      ? await threadPage(pool, id, cursors.page(request.query, '/api/threads', id))
      : await threadOfBooking(pool, id, bookingId)
    return { ...list, unread_count: await unreadMessages(pool, id) }
  })

  app.get('/api/threads/:id/messages', {
    onRequest: anyone,
    schema: {
      tags: ['messages'],
      operationId: 'listMessages',
      summary: 'A conversation and a page of its messages, newest first (its two parties only)',
      security: SESSION,
      params: IdParams,
      querystring: MessagesQuery,
      response: { 200: MessagePage, ...errors(400, 401, 404) }
    }
  }, async (request) => {
    const user = currentUser(request)
    const thread = await threadFor(pool, user, parseId(request.params.id))
    const page = await messagePage(pool, thread.id, cursors.page(request.query, `/api/threads/${thread.id}/messages`, user.id))
    return { thread: await threadView(pool, user.id, thread.id), messages: page.items, next_cursor: page.next_cursor }
  })

  app.post('/api/threads/:id/messages', {
    onRequest: anyone,
    schema: {
      tags: ['messages'],
      operationId: 'sendMessage',
      summary: 'Write in a conversation (its two parties only); publishes message-sent',
      security: SESSION,
      params: IdParams,
      body: MessageInput,
      response: { 201: MessageReply, ...errors(400, 401, 404, 409, 413, 429) }
    }
  }, async (request, reply) => {
    const user = currentUser(request)
    const threadId = parseId(request.params.id)
    return reply.status(201).send(await post(user, request.body.text, tx => threadFor(tx, user, threadId)))
  })

  app.post('/api/properties/:id/questions', {
    onRequest: requireUser(pool, 'traveler'),
    schema: {
      tags: ['messages'],
      operationId: 'askHost',
      summary: "Ask a place's host a question before requesting (travelers): opens a conversation, or continues the open one; publishes message-sent",
      security: SESSION,
      params: IdParams,
      body: MessageInput,
      response: { 201: MessageReply, ...errors(400, 401, 403, 404, 409, 413, 429) }
    }
  }, async (request, reply) => {
    const user = currentUser(request)
    const propertyId = parseId(request.params.id)
    return reply.status(201).send(await post(user, request.body.text, tx => questionThread(tx, user.id, propertyId)))
  })

  app.post('/api/bookings/:id/messages', {
    onRequest: anyone,
    schema: {
      tags: ['messages'],
      operationId: 'sendBookingMessage',
      summary: "Write about a booking (its traveler or its property's owner): opens its conversation or continues it; publishes message-sent",
      security: SESSION,
      params: IdParams,
      body: MessageInput,
      response: { 201: MessageReply, ...errors(400, 401, 404, 409, 413, 429) }
    }
  }, async (request, reply) => {
    const user = currentUser(request)
    const bookingId = parseId(request.params.id)
    return reply.status(201).send(await post(user, request.body.text, tx => bookingThread(tx, user, bookingId)))
  })

  app.post('/api/threads/:id/read', {
    onRequest: anyone,
    preValidation: noBody,
    schema: {
      tags: ['messages'],
      operationId: 'markThreadRead',
      summary: 'Mark a conversation read up to its newest message; the other party sees "read" (live)',
      security: SESSION,
      params: IdParams,
      response: { 200: ReadReply, ...errors(400, 401, 404) }
    }
  }, async (request) => {
    const user = currentUser(request)
    const thread = await threadFor(pool, user, parseId(request.params.id))
    const read = await markRead(pool, user.id, thread.id)
    const other = user.id === thread.traveler_id ? thread.owner_id : thread.traveler_id
    await signalLive(pool, { rows: { [LIVE_KINDS.read]: [[thread.id, other]] } })
    return read
  })
}
