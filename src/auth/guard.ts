import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { Queryable } from '../db/pool.ts'
import { forbidden, unauthorized } from '../errors.ts'
import { SESSION_COOKIE, sessionUserCached } from './sessions.ts'
import { can, type Capability, type User } from './users.ts'

declare module 'fastify' {
  interface FastifyRequest { user?: User }
}

/** What a person refused for their role can do about it. */
const START: Record<Capability, string> = {
  traveler: 'an owner can start travelling from the settings.',
  owner: 'a traveler can start hosting from the settings.'
}

/**
 * An onRequest hook that requires a session (401 without one) and, when capabilities are given, one of them (403):
 * 'traveler' admits travelers and accounts that do both, 'owner' owners and accounts that do both.
 * The user is then on request.user.
 */
export function requireUser (db: Queryable, ...roles: Capability[]): onRequestAsyncHookHandler {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    const token = request.cookies[SESSION_COOKIE]
    const user = token ? await sessionUserCached(db, token) : undefined
    if (!user) throw unauthorized()
    if (roles.length > 0 && !roles.some(r => can(user, r))) {
      throw forbidden(`Only ${roles.join(' or ')}s may do this; ${START[roles[0]]}`)
    }
    request.user = user
  }
}

/** An onRequest hook for routes anyone may call that answer a little more when signed in: request.user when the session is valid. */
export function optionalUser (db: Queryable): onRequestAsyncHookHandler {
  return async function (request: FastifyRequest, _reply: FastifyReply) {
    const token = request.cookies[SESSION_COOKIE]
    request.user = token ? await sessionUserCached(db, token) : undefined
  }
}

/** The signed-in user of a route guarded by requireUser (it runs before the body is read or validated, so an outsider learns nothing from them). */
export function currentUser (request: FastifyRequest): User {
  if (!request.user) throw unauthorized()
  return request.user
}
