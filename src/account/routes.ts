import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import { SESSION_COOKIE } from '../auth/sessions.ts'
import type { ThrottleLimits } from '../auth/throttle.ts'
import type { Pool } from '../db/pool.ts'
import type { Storage } from '../storage/storage.ts'
import { SESSION } from '../http/openapi.ts'
import { errors } from '../http/schemas.ts'
import { changePassword, confirmEmailChange, confirmReset, requestEmailChange, requestReset } from './service.ts'
import { exportAccount } from './export.ts'
import { deleteAccount, deletionPreview } from './deletion.ts'
import type { AccountLinks } from './tokens.ts'

const Email = Type.String({ format: 'email', maxLength: 254 })
const NewPassword = Type.String({ minLength: 8, maxLength: 200 })
const Password = Type.String({ minLength: 1, maxLength: 200 })
const Token = Type.String({ minLength: 1, maxLength: 200, description: 'the token of the link the e-mail carried' })
const closed = { additionalProperties: false }
/** A 202 with no body at all: undefined sends nothing, where null would send the JSON `null`. */
const EMPTY = undefined as never

/** What deleting the account does, or would do now, to bookings and places. */
const DeletionSummary = Type.Object({
  requests_withdrawn: Type.Integer({ description: 'your pending requests, withdrawn (each host is told why)' }),
  stays_cancelled: Type.Integer({ description: 'your accepted stays not yet begun, cancelled (each host is told why)' }),
  requests_declined: Type.Integer({ description: 'pending requests at your places, declined (each guest is told why)' }),
  hosted_stays_cancelled: Type.Integer({ description: 'accepted stays not yet begun at your places, cancelled (each guest is told why)' }),
  properties_unlisted: Type.Integer({ description: 'your listed places, unlisted (their photos removed)' })
})

export interface AccountOptions { pool: Pool, throttle: ThrottleLimits, links: AccountLinks, storage: Storage }

export const accountRoutes: FastifyPluginAsync<AccountOptions> = async (fastify, { pool, throttle, links, storage }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = requireUser(pool)

  app.post('/api/me/password', {
    onRequest: signedIn,
    schema: {
      tags: ['auth'],
      operationId: 'changePassword',
      summary: 'Change your password (with the current one); every other session ends',
      security: SESSION,
      body: Type.Object({ current_password: Password, new_password: NewPassword }, closed),
      response: { 204: Type.Null(), ...errors(400, 401, 413, 429) }
    }
  }, async (request, reply) => {
    await changePassword(pool, throttle, currentUser(request), request.body, request.ip, request.cookies[SESSION_COOKIE]!)
    return reply.status(204).send(null)
  })

  app.post('/api/password-reset', {
    schema: {
      tags: ['auth'],
      operationId: 'requestPasswordReset',
      summary: 'E-mail a link to set a new password, if an account has this address (the same answer either way)',
      body: Type.Object({ email: Email }, closed),
      response: { 202: Type.Null(), ...errors(400, 413, 429) }
    }
  }, async (request, reply) => {
    await requestReset(pool, request.body.email, request.ip, links)
    return reply.status(202).send(EMPTY)
  })

  app.post('/api/password-reset/confirm', {
    schema: {
      tags: ['auth'],
      operationId: 'resetPassword',
      summary: "Set a new password with a reset link's token (once, within the hour); every session ends",
      body: Type.Object({ token: Token, new_password: NewPassword }, closed),
      response: { 204: Type.Null(), ...errors(400, 413) }
    }
  }, async (request, reply) => {
    await confirmReset(pool, request.body)
    return reply.status(204).send(null)
  })

  app.post('/api/me/email', {
    onRequest: signedIn,
    schema: {
      tags: ['auth'],
      operationId: 'requestEmailChange',
      summary: 'Change your e-mail address: a confirmation link goes to the new one; nothing changes until it is opened',
      security: SESSION,
      body: Type.Object({ new_email: Email, password: Password }, closed),
      response: { 202: Type.Null(), ...errors(400, 401, 409, 413, 429) }
    }
  }, async (request, reply) => {
    await requestEmailChange(pool, throttle, currentUser(request), request.body, request.ip, links)
    return reply.status(202).send(EMPTY)
  })

  app.get('/api/me/export', {
    onRequest: signedIn,
    schema: {
      tags: ['auth'],
      operationId: 'exportAccount',
      summary: 'Your own data as one JSON document: account, preferences, places, bookings, notifications, favorites',
      security: SESSION,
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'the export: see docs/http.md' }), ...errors(401) }
    }
  }, async (request, reply) => {
    const data = await exportAccount(pool, currentUser(request))
    // A file to keep: the browser saves it rather than showing it.
    return reply.header('content-disposition', 'attachment; filename="hostly-export.json"').send(data)
  })

  app.post('/api/email-change/confirm', {
    schema: {
      tags: ['auth'],
      operationId: 'confirmEmailChange',
      summary: "Confirm an e-mail change with its link's token: the address changes now",
      body: Type.Object({ token: Token }, closed),
      response: { 200: Type.Object({ email: Type.String() }), ...errors(400, 409, 413) }
    }
  }, async (request) => ({ email: (await confirmEmailChange(pool, request.body.token)).email }))

  app.get('/api/me/deletion', {
    onRequest: signedIn,
    schema: {
      tags: ['auth'],
      operationId: 'previewAccountDeletion',
      summary: 'What deleting your account would do now: the requests and stays it would cancel, the places it would unlist',
      security: SESSION,
      response: { 200: DeletionSummary, ...errors(401) }
    }
  }, async (request) => deletionPreview(pool, currentUser(request)))

  // A POST with the password in its body, not a DELETE /api/me: a DELETE's body has no defined meaning in HTTP
  // (RFC 9110 §9.3.5) and some proxies and clients drop it; the password belongs in a body, never in a URL.
  app.post('/api/me/deletion', {
    onRequest: signedIn,
    schema: {
      tags: ['auth'],
      operationId: 'deleteAccount',
      summary: 'Delete your account (with your password): requests and stays not yet begun cancelled, the other party told why; places unlisted; every session ends. See docs/security.md for what is kept',
      security: SESSION,
      body: Type.Object({ password: Password }, closed),
      response: { 200: DeletionSummary, ...errors(400, 401, 413, 429) }
    }
  }, async (request, reply) => {
    const summary = await deleteAccount(pool, storage, throttle, currentUser(request), request.body.password, request.ip, request.log)
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).send(summary)
  })
}
