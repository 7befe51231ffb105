import type { Queryable } from '../db/pool.ts'
import type { Avatar } from '../storage/schemas.ts'
import { appError } from '../errors.ts'
import { canonicalLocale, canonicalTimeZone, DEFAULT_LOCALE, DEFAULT_TIME_ZONE } from './locale.ts'
import { dummyHash, hashPassword, verifyPassword } from './password.ts'
import { checkPassword } from './password-policy.ts'
import { canonicalLanguages } from './profile.ts'
import { claimLogin, releaseLogin, type ThrottleLimits } from './throttle.ts'

export type Role = 'traveler' | 'owner' | 'both'
/** What an account may do: travel (request stays) or host (list places, answer requests); 'both' does both. */
export type Capability = 'traveler' | 'owner'

/** Whether the account may act as a traveler or as an owner: its role, or 'both'. */
export const can = (user: { role: Role }, capability: Capability) => user.role === capability || user.role === 'both'
export interface User { id: number, name: string, email: string, role: Role, locale: string, time_zone: string, about: string, city: string, languages: string[], avatar: Avatar, created_at: Date }

export const USER_COLUMNS = 'id, name, email, role, locale, time_zone, about, city, languages, avatar, created_at'

export interface Registration { name: string, email: string, password: string, role: Role, locale?: string, time_zone?: string }

export async function register (db: Queryable, input: Registration): Promise<User> {
  // Checked before the password's slow hash: a wrong locale or time zone costs nothing.
  const locale = canonicalLocale(input.locale ?? DEFAULT_LOCALE)
  const timeZone = canonicalTimeZone(input.time_zone ?? DEFAULT_TIME_ZONE)
  await checkPassword(input.password, input)
  const hash = await hashPassword(input.password)
  const { rows } = await db.query(
    `INSERT INTO users (name, email, password_hash, role, locale, time_zone) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (lower(email)) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [input.name.trim(), input.email, hash, input.role, locale, timeZone])
  if (rows.length === 0) throw appError('EMAIL_TAKEN')
  return rows[0]
}

/**
 * Checks an e-mail and password pair from a client address; throws 401 on a wrong pair, 429 when the
 * throttles (src/auth/throttle.ts) say this client may not try now. The attempt is claimed as a failure before
 * the hash, and released when it was none.
 */
export async function authenticate (db: Queryable, limits: ThrottleLimits, email: string, password: string, client: string): Promise<User> {
  const claim = await claimLogin(db, limits, email, client)
  let row: (User & { password_hash: string }) | undefined
  let ok: Awaited<ReturnType<typeof verifyPassword>>
  try {
    row = (await db.query(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)`, [email])).rows[0]
    // An unknown address costs the same time as a wrong password, so timing does not reveal accounts.
    ok = await verifyPassword(password, row?.password_hash ?? dummyHash)
  } catch (err) {
    // No guess was judged (the hashes are busy, the database is away): it does not count. The caller gets err.
    await releaseLogin(db, claim).catch(() => {})
    throw err
  }
  if (!row || !ok) throw appError('INVALID_CREDENTIALS')
  await releaseLogin(db, claim)
  const { password_hash: _, ...user } = row
  // A hash written before passwords were normalised: replace it with the normalised one, now that we know it.
  if (ok === 'legacy') await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await hashPassword(password)])
  return user
}

export interface AccountChange { name?: string, locale?: string, time_zone?: string, role?: 'both', about?: string, city?: string, languages?: string[] }

/** Changes what a person may change of their account: name, locale, time zone, role only to 'both', the profile (each checked; absent ones stay). */
export async function updateAccount (db: Queryable, userId: number, change: AccountChange): Promise<User> {
  const locale = change.locale === undefined ? null : canonicalLocale(change.locale)
  const timeZone = change.time_zone === undefined ? null : canonicalTimeZone(change.time_zone)
  const languages = change.languages === undefined ? null : canonicalLanguages(change.languages)
  const { rows } = await db.query(
    `UPDATE users SET name = coalesce($2, name), locale = coalesce($3, locale), time_zone = coalesce($4, time_zone),
            role = coalesce($5, role), about = coalesce($6, about), city = coalesce($7, city), languages = coalesce($8, languages)
      WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [userId, change.name?.trim() ?? null, locale, timeZone, change.role ?? null, change.about?.trim() ?? null, change.city?.trim() ?? null, languages])
  return rows[0]
}
