import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { SESSION } from '../http/openapi.ts'
import { errors, noBody, Timestamp } from '../http/schemas.ts'
import { DisplayName } from '../http/text.ts'
import { Avatar } from '../storage/schemas.ts'
import { currentUser, requireUser } from './guard.ts'
import { closeAllSessions, closeSession, openSession, SESSION_COOKIE, sessionUserCached } from './sessions.ts'
import { admitRegistration, type ThrottleLimits } from './throttle.ts'
import { LocaleField, TimeZoneField } from './locale.ts'
import { AboutField, CityField, LanguagesField } from './profile.ts'
import { authenticate, register, updateAccount } from './users.ts'

export const UserSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal('traveler'), Type.Literal('owner'), Type.Literal('both')], { description: "what the account does: travel, host, or both ('both' passes the guards of each)" }),
  locale: Type.String({ description: 'BCP 47 language tag: how dates and amounts are written to this person' }),
  time_zone: Type.String({ description: 'IANA time zone of the dates written to this person' }),
  avatar: Avatar,
  about: Type.String(),
  city: Type.String(),
  languages: Type.Array(Type.String(), { description: 'language tags, canonical' }),
  created_at: Timestamp
})
const UserReply = Type.Object({ user: UserSchema })
const MeReply = Type.Object({ user: Type.Union([UserSchema, Type.Null()], { description: 'null when signed out' }) })

const Email = Type.String({ format: 'email', maxLength: 254 })

const RegisterBody = Type.Object({
  name: DisplayName(200),
  email: Email,
  password: Type.String({ minLength: 8, maxLength: 200 }),
  role: Type.Union([Type.Literal('traveler'), Type.Literal('owner'), Type.Literal('both')]),
  locale: Type.Optional(LocaleField),
  time_zone: Type.Optional(TimeZoneField)
}, { additionalProperties: false })

// Every key optional, none unknown, at least one: a typo is a 400, not a silent no-op.
const AccountPatch = Type.Object({
  name: Type.Optional(DisplayName(200)),
  // Only ever widened: a traveler starts hosting, an owner starts travelling. Going back would strand places or stays.
  role: Type.Optional(Type.Literal('both', { description: "'both': start hosting as a traveler, or start travelling as an owner" })),
  locale: Type.Optional(LocaleField),
  time_zone: Type.Optional(TimeZoneField),
  about: Type.Optional(AboutField),
  city: Type.Optional(CityField),
  languages: Type.Optional(LanguagesField)
}, { additionalProperties: false, minProperties: 1 })

const LoginBody = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 200 })
}, { additionalProperties: false })

export interface AuthOptions { pool: Pool, sessionTtlHours: number, cookieSecure: boolean, throttle: ThrottleLimits }

export const authRoutes: FastifyPluginAsync<AuthOptions> = async (fastify, { pool, sessionTtlHours, cookieSecure, throttle }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const cookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: cookieSecure, maxAge: sessionTtlHours * 3600 }

  app.post('/api/auth/register', {
    schema: {
      tags: ['auth'],
      operationId: 'register',
      summary: 'Create an account and sign in',
      body: RegisterBody,
      response: { 201: UserReply, ...errors(400, 403, 409, 413, 429, 503) }
    }
  }, async (request, reply) => {
    await admitRegistration(pool, throttle, request.ip)
    const user = await register(pool, request.body)
    // The browser now belongs to the new account: the session it held before ends, not only its cookie.
    const old = request.cookies[SESSION_COOKIE]
    if (old) await closeSession(pool, old)
    const token = await openSession(pool, user.id, sessionTtlHours)
    return reply.status(201).setCookie(SESSION_COOKIE, token, cookie).send({ user })
  })

  app.post('/api/auth/login', {
    schema: {
      tags: ['auth'],
      operationId: 'login',
      summary: 'Sign in: a new session cookie',
      body: LoginBody,
      response: { 200: UserReply, ...errors(400, 401, 403, 429, 503) }
    }
  }, async (request, reply) => {
    const user = await authenticate(pool, throttle, request.body.email, request.body.password, request.ip)
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
      tags: ['auth'],
      operationId: 'logout',
      summary: 'Sign out: end the session',
      security: SESSION,
      response: { 204: Type.Null(), ...errors(401, 403) }
    }
  }, async (request, reply) => {
    await closeSession(pool, request.cookies[SESSION_COOKIE]!)
    return reply.status(204).clearCookie(SESSION_COOKIE, { path: '/' }).send(null)
  })

  app.post('/api/auth/logout-all', {
    onRequest: requireUser(pool),
    preValidation: noBody,
    schema: {
      tags: ['auth'],
      operationId: 'logoutEverywhere',
      summary: 'Sign out everywhere: end every session of the user',
      security: SESSION,
      response: { 204: Type.Null(), ...errors(401, 403) }
    }
  }, async (request, reply) => {
    // Every session of the user, on every device: after a lost laptop or a password scare.
    await closeAllSessions(pool, currentUser(request).id)
    return reply.status(204).clearCookie(SESSION_COOKIE, { path: '/' }).send(null)
  })

  // Asked by every page load, signed in or not: a signed-out visitor is an answer (user: null), not an error, so the
  // browser's console stays clean (as the original Hostly answered). A stale or forged cookie reads as signed out.
  app.get('/api/auth/me', {
    schema: {
      tags: ['auth'],
      operationId: 'getCurrentUser',
      summary: 'The signed-in user, or null when signed out',
      response: { 200: MeReply }
    }
  }, async (request) => {
    const token = request.cookies[SESSION_COOKIE]
    return { user: (token ? await sessionUserCached(pool, token) : undefined) ?? null }
  })

  app.patch('/api/me', {
    onRequest: requireUser(pool),
    schema: {
      tags: ['auth'],
      operationId: 'updateAccount',
      summary: 'Change your name, profile (about, city, languages), locale or time zone, or start both hosting and travelling',
      security: SESSION,
      body: AccountPatch,
      response: { 200: UserReply, ...errors(400, 401, 413) }
    }
  }, async (request) => ({ user: await updateAccount(pool, currentUser(request).id, request.body) }))
}
