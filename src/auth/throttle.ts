import type { Config } from '../config.ts'
import type { Queryable } from '../db/pool.ts'
import { AppError } from '../errors.ts'

// Sign-in and registration throttles, kept in PostgreSQL so that every API replica counts the same attempts.
//
// Sign-in failures are counted three ways within the window:
//   - per account and client address: an attacker guessing one account from one address is stopped, and the
//     owner, signing in from another address, is not;
//   - per client address, whatever the account: one address cannot spray guesses over many accounts;
//   - per account from every address: past this (a distributed guess), only addresses that have not failed
//     for this account may still try, so the owner still signs in while each attacking address gets one guess.
// The client address is Fastify's request.ip: the socket's peer, or X-Forwarded-For only when TRUST_PROXY says
// which proxies to believe.

/** The throttles' settings (src/config.ts says what each means). */
export type ThrottleLimits = Pick<Config, 'loginMaxPerAccountClient' | 'loginMaxPerClient' | 'loginMaxPerAccount' | 'loginWindowMs' |
  'registerMaxPerClient' | 'registerWindowMs'>

const tooMany = (message: string, windowMs: number) =>
  Object.assign(new AppError(429, 'TOO_MANY_ATTEMPTS', message), { retryAfter: Math.ceil(windowMs / 1000) })

const minutes = (ms: number) => `${Math.ceil(ms / 60_000)} minutes`

/** Throws 429 when this client may not try to sign in to this account now. */
export async function checkLogin (db: Queryable, limits: ThrottleLimits, email: string, client: string): Promise<void> {
  const { rows: [c] } = await db.query({
    name: 'login-throttle',
    text: `SELECT count(*) FILTER (WHERE lower(email) = lower($1) AND client = $2)::int AS pair,
                  count(*) FILTER (WHERE client = $2)::int AS by_client,
                  count(*) FILTER (WHERE lower(email) = lower($1))::int AS by_account
             FROM login_failures
            WHERE failed_at > now() - make_interval(secs => $3) AND (lower(email) = lower($1) OR client = $2)`,
    values: [email, client, limits.loginWindowMs / 1000]
  })
  const later = `try again in ${minutes(limits.loginWindowMs)}`
  if (c.by_client >= limits.loginMaxPerClient) {
    throw tooMany(`Too many failed sign-ins from your network; ${later}.`, limits.loginWindowMs)
  }
  if (c.pair >= limits.loginMaxPerAccountClient || (c.by_account >= limits.loginMaxPerAccount && c.pair > 0)) {
    throw tooMany(`Too many failed sign-in attempts; ${later}.`, limits.loginWindowMs)
  }
}

export async function recordLoginFailure (db: Queryable, limits: ThrottleLimits, email: string, client: string): Promise<void> {
  await db.query({
    name: 'login-failure',
    text: `WITH old AS (DELETE FROM login_failures WHERE ctid IN (
             SELECT ctid FROM login_failures WHERE failed_at < now() - make_interval(secs => $3) LIMIT 100))
           INSERT INTO login_failures (email, client) VALUES ($1, $2)`,
    values: [email, client, limits.loginWindowMs / 1000]
  })
}

/** Counts a registration from this client, or throws 429 when the client has registered too often. */
export async function admitRegistration (db: Queryable, limits: ThrottleLimits, client: string): Promise<void> {
  const { rows: [r] } = await db.query({
    name: 'register-throttle',
    text: `WITH old AS (DELETE FROM registrations WHERE ctid IN (
             SELECT ctid FROM registrations WHERE at < now() - make_interval(secs => $2) LIMIT 100)),
           recent AS (SELECT count(*)::int AS n FROM registrations WHERE client = $1 AND at > now() - make_interval(secs => $2)),
           added AS (INSERT INTO registrations (client) SELECT $1 FROM recent WHERE n < $3 RETURNING 1)
           SELECT n FROM recent`,
    values: [client, limits.registerWindowMs / 1000, limits.registerMaxPerClient]
  })
  if (r.n >= limits.registerMaxPerClient) {
    throw tooMany(`Too many accounts registered from your network; try again in ${minutes(limits.registerWindowMs)}.`, limits.registerWindowMs)
  }
}
