import type { Config } from '../config.ts'
import type { Queryable } from '../db/pool.ts'
import { appError } from '../errors.ts'

// Sign-in and registration throttles, kept in PostgreSQL so that every API replica counts the same attempts.
// Sign-in failures count three ways within the window: per account and client address (the owner, elsewhere,
// still signs in), per address whatever the account (no spraying over accounts), and per account from every
// address (past it, only addresses without failures for it may try). Each attempt is claimed (throttle.sql)
// before its password is hashed, so guesses sent at once count each other. The client address is request.ip.

/** The throttles' settings (src/config.ts says what each means). */
export type ThrottleLimits = Pick<Config, 'loginMaxPerAccountClient' | 'loginMaxPerClient' | 'loginMaxPerAccount' | 'loginWindowMs' |
  'registerMaxPerClient' | 'registerWindowMs'>

const tooMany = (what: string, windowMs: number) =>
  Object.assign(appError('TOO_MANY_ATTEMPTS', { what, minutes: Math.ceil(windowMs / 60_000) }), { retryAfter: Math.ceil(windowMs / 1000) })

const REFUSED = { client: 'failed sign-ins from your network', account: 'failed sign-in attempts' } as const

/**
 * Counts a sign-in attempt of this client for this account as failed until releaseLogin() says otherwise, or
 * throws 429 when the client may not try now. Returns the claim to release.
 */
export async function claimLogin (db: Queryable, limits: ThrottleLimits, email: string, client: string): Promise<number> {
  const { rows: [c] } = await db.query<{ claim: number, refused: keyof typeof REFUSED | null }>({
    name: 'login-claim',
    text: 'SELECT claim, refused FROM claim_login_attempt($1, $2, make_interval(secs => $3), $4, $5, $6)',
    values: [email, client, limits.loginWindowMs / 1000, limits.loginMaxPerAccountClient, limits.loginMaxPerClient, limits.loginMaxPerAccount]
  })
  if (c.refused) throw tooMany(REFUSED[c.refused], limits.loginWindowMs)
  return c.claim
}

/** The attempt was not a failed guess after all (the right password, or refused before its hash): uncount it. */
export async function releaseLogin (db: Queryable, claim: number): Promise<void> {
  await db.query({ name: 'login-release', text: 'DELETE FROM login_failures WHERE id = $1', values: [claim] })
}

/** Counts a registration from this client, or throws 429 when the client has registered too often. */
export async function admitRegistration (db: Queryable, limits: ThrottleLimits, client: string): Promise<void> {
  const { rows: [r] } = await db.query<{ admitted: boolean }>({
    name: 'register-claim',
    text: 'SELECT claim_registration($1, make_interval(secs => $2), $3) AS admitted',
    values: [client, limits.registerWindowMs / 1000, limits.registerMaxPerClient]
  })
  if (!r.admitted) throw tooMany('accounts registered from your network', limits.registerWindowMs)
}
