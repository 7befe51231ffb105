import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { errors, noBody, Timestamp } from '../http/schemas.ts'
import { currentUser, requireUser } from './guard.ts'
import { closeSession, openSession, SESSION_COOKIE } from './sessions.ts'
import { authenticate, register } from './users.ts'

export const UserSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal('traveler'), Type.Literal('owner')]),
  created_at: Timestamp
})
const UserReply = Type.Object({ user: UserSchema })

const Email = Type.String({ format: 'email', maxLength: 254 })

const RegisterBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'must not be blank' }),
  email: Email,
  password: Type.String({ minLength: 8, maxLength: 200 }),
  role: Type.Union([Type.Literal('traveler'), Type.Literal('owner')])
}, { additionalProperties: false })

const LoginBody = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 200 })
}, { additionalProperties: false })

export interface AuthOptions { pool: Pool, sessionTtlHours: number, cookieSecure: boolean }

export const authRoutes: FastifyPluginAsync<AuthOptions> = async (fastify, { pool, sessionTtlHours, cookieSecure }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const cookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: cookieSecure, maxAge: sessionTtlHours * 3600 }

  app.post('/api/auth/register', {
    schema: {
      tags: ['auth'], operationId: 'register', summary: 'Create an account and sign in',
      body: RegisterBody, response: { 201: UserReply, ...errors(400, 409, 413) }
    }
  }, async (request, reply) => {
    const user = await register(pool, request.body)
    const token = await openSession(pool, user.id, sessionTtlHours)
    return reply.status(201).setCookie(SESSION_COOKIE, token, cookie).send({ user })
  })

  app.post('/api/auth/login', {
    schema: {
      tags: ['auth'], operationId: 'login', summary: 'Sign in: a new session cookie',
      body: LoginBody, response: { 200: UserReply, ...errors(400, 401, 429) }
    }
  }, async (request, reply) => {
    const user = await authenticate(pool, request.body.email, request.body.password)
    // A new session (and id) at every sign-in; the old one, if any, ends.
    const old = request.cookies[SESSION_COOKIE]
    if (old) await closeSession(pool, old)
    const token = await openSession(pool, user.id, sessionTtlHours)
    return reply.setCookie(SESSION_COOKIE, token, cookie).send({ user })
  })

  app.post('/api/auth/logout', {
    onRequest: requireUser(pool),
    preValidation: noBody,
    schema: {
      tags: ['auth'], operationId: 'logout', summary: 'Sign out: end the session', security: SESSION,
      response: { 204: Type.Null(), ...errors(401) }
    }
  }, async (request, reply) => {
    await closeSession(pool, request.cookies[SESSION_COOKIE]!)
    return reply.status(204).clearCookie(SESSION_COOKIE, { path: '/' }).send(null)
  })

  app.get('/api/auth/me', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['auth'], operationId: 'getCurrentUser', summary: 'The signed-in user', security: SESSION,
      response: { 200: UserReply, ...errors(401) }
    }
  }, async (request) => ({ user: currentUser(request) }))
}
