import type { Queryable } from '../db/pool.ts'
import { appError } from '../errors.ts'
import { dummyHash, hashPassword, verifyPassword } from './password.ts'

export type Role = 'traveler' | 'owner'
export interface User { id: number, name: string, email: string, role: Role, created_at: Date }

const USER_COLUMNS = 'id, name, email, role, created_at'

/** Sign-in failures allowed per e-mail address within the window before 429. */
const MAX_FAILURES = 10
const FAILURE_WINDOW = '15 minutes'

export async function register (db: Queryable, input: { name: string, email: string, password: string, role: Role }): Promise<User> {
  const hash = await hashPassword(input.password)
  const { rows } = await db.query(
    `INSERT INTO users (name, email, password_hash, role) VALUES ($1, $2, $3, $4)
     ON CONFLICT (lower(email)) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [input.name.trim(), input.email, hash, input.role])
  if (rows.length === 0) throw appError('EMAIL_TAKEN')
  return rows[0]
}

/** Checks an e-mail and password pair; throws 401 on a wrong pair, 429 after too many failures. */
export async function authenticate (db: Queryable, email: string, password: string): Promise<User> {
  const { rows: [{ failures }] } = await db.query(
    `SELECT count(*)::int AS failures FROM login_failures
      WHERE lower(email) = lower($1) AND failed_at > now() - $2::interval`, [email, FAILURE_WINDOW])
  if (failures >= MAX_FAILURES) {
    throw appError('TOO_MANY_ATTEMPTS')
  }
  const { rows } = await db.query(
    `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)`, [email])
  // An unknown address costs the same time as a wrong password, so timing does not reveal accounts.
  const ok = await verifyPassword(password, rows[0]?.password_hash ?? dummyHash)
  if (!rows[0] || !ok) {
    await db.query('INSERT INTO login_failures (email) VALUES ($1)', [email])
    throw appError('INVALID_CREDENTIALS')
  }
  const { password_hash: _, ...user } = rows[0]
  return user
}
