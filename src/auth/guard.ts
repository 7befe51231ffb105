import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { Queryable } from '../db/pool.ts'
import { forbidden, unauthorized } from '../errors.ts'
import { SESSION_COOKIE, sessionUser } from './sessions.ts'
import type { Role, User } from './users.ts'

declare module 'fastify' {
  interface FastifyRequest { user?: User }
}

/**
 * An onRequest hook that requires a session (401 without one) and, when roles are given, one of them (403).
 * The user is then on request.user.
 */
export function requireUser (db: Queryable, ...roles: Role[]): onRequestAsyncHookHandler {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    const token = request.cookies[SESSION_COOKIE]
    const user = token ? await sessionUser(db, token) : undefined
    if (!user) throw unauthorized()
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw forbidden(`Only ${roles.join(' or ')}s may do this.`)
    }
    request.user = user
  }
}

/** An onRequest hook for routes anyone may call that answer a little more when signed in: request.user when the session is valid. */
export function optionalUser (db: Queryable): onRequestAsyncHookHandler {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    const token = request.cookies[SESSION_COOKIE]
    request.user = token ? await sessionUser(db, token) : undefined
  }
}

/** The signed-in user of a route guarded by requireUser (it runs before the body is read or validated, so an outsider learns nothing from them). */
export function currentUser (request: FastifyRequest): User {
  if (!request.user) throw unauthorized()
  return request.user
}
