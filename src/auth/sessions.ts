import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/pool.ts'
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

export async function sessionUser (db: Queryable, token: string): Promise<User | undefined> {
  const { rows } = await db.query({
    name: 'session-user', // every signed-in request runs it: prepared once per connection
    text: `SELECT ${USER_COLUMNS.split(', ').map(c => `u.${c}`).join(', ')} FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = $1 AND s.expires_at > now()`,
    values: [hashToken(token)]
  })
  return rows[0]
}

export async function closeSession (db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)])
}

/** Ends every session of the user. */
export async function closeAllSessions (db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId])
}
