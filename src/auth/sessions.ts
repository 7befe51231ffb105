import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/pool.ts'
import { sessionCache } from './session-cache.ts'
import { USER_COLUMNS, type User } from './users.ts'

export const SESSION_COOKIE = 'hostly_session'

export const hashToken = (token: string) => createHash('sha256').update(token).digest()

/** Opens a session for the user; returns the cookie's token (only its hash is stored). */
export async function openSession (db: Queryable, userId: number, ttlHours: number): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await db.query(
    'INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))',
    [hashToken(token), userId, ttlHours])
  return token
}

/** The user the session signs in, asked of PostgreSQL (what the guards use may come from memory: sessionUserCached). */
export async function sessionUser (db: Queryable, token: string): Promise<User | undefined> {
  return (await lookUpSession(db, hashToken(token)))?.user
}

async function lookUpSession (db: Queryable, hash: Buffer): Promise<{ user: User, expiresAt: Date } | undefined> {
  const { rows } = await db.query({
    name: 'session-user', // a signed-in request runs it unless the session cache answers: prepared once per connection
    text: `SELECT ${USER_COLUMNS.split(', ').map(c => `u.${c}`).join(', ')}, s.expires_at AS session_expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = $1 AND s.expires_at > now()`,
    values: [hash]
  })
  if (rows.length === 0) return undefined
  const { session_expires_at: expiresAt, ...user } = rows[0]
  return { user: user as User, expiresAt }
}

/**
 * The user the session signs in, from this process's session cache while it may answer (a few seconds, dropped at
 * once on every replica by a sign-out or an account change: session-cache.ts), else from PostgreSQL.
 */
export async function sessionUserCached (db: Queryable, token: string): Promise<User | undefined> {
  const hash = hashToken(token)
  return sessionCache(db).get(hash.toString('base64'), () => lookUpSession(db, hash))
}

export async function closeSession (db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)])
}

/** Ends every session of the user. */
export async function closeAllSessions (db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId])
}
