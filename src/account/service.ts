import { closeAllSessions, hashToken } from '../auth/sessions.ts'
import { hashPassword, verifyPassword } from '../auth/password.ts'
import { checkPassword } from '../auth/password-policy.ts'
import { claimLogin, releaseLogin, type ThrottleLimits } from '../auth/throttle.ts'
import { USER_COLUMNS, type User } from '../auth/users.ts'
import { transaction, type Client as PoolClient, type Pool, type Queryable } from '../db/pool.ts'
import { appError, badRequest } from '../errors.ts'
import { AccountLinks, hashAccountToken, TOKEN_TTL_MINUTES, type TokenPurpose } from './tokens.ts'

// Passwords and addresses: changing the password, resetting a forgotten one by e-mail, changing the e-mail address
// through a link sent to the new one. Every e-mail is a row of account_emails written by the transaction that makes
// its token: committed with the request, sent by the e-mail service (src/email/account-mail.ts), never awaited here.

const wrongPassword = (field: string) => appError('WRONG_PASSWORD', {}, [{ field, message: 'The current password is wrong.' }])
const invalidToken = () => appError('INVALID_ACCOUNT_TOKEN', {}, [{ field: 'token', message: 'This link is not valid, was used already, or is too old.' }])

/**
 * Checks the password of a signed-in person, under the sign-in throttle (a stolen session guessing the password counts
 * as failed sign-ins for the account and the client): 400 WRONG_PASSWORD, or 429.
 */
export async function confirmPassword (db: Queryable, limits: ThrottleLimits, user: User, password: string, client: string, field = 'current_password') {
  const claim = await claimLogin(db, limits, user.email, client)
  let ok
  try {
    const { rows: [row] } = await db.query('SELECT password_hash FROM users WHERE id = $1', [user.id])
    ok = await verifyPassword(password, row.password_hash)
  } catch (err) {
    await releaseLogin(db, claim).catch(() => {})
    throw err
  }
  if (!ok) throw wrongPassword(field)
  await releaseLogin(db, claim)
}

/** A new password for a signed-in person who knows the current one; every other session of theirs ends. */
export async function changePassword (pool: Pool, limits: ThrottleLimits, user: User, input: { current_password: string, new_password: string }, client: string, sessionToken: string) {
  await confirmPassword(pool, limits, user, input.current_password, client)
  await checkPassword(input.new_password, user, 'new_password')
  const hash = await hashPassword(input.new_password)
  await transaction(pool, async tx => {
    await tx.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, hash])
    await tx.query('DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2', [user.id, hashToken(sessionToken)])
    // A reset link sent before is for the old password: it goes too.
    await tx.query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = 'password_reset'", [user.id])
  })
}

/** A token row and its e-mail to `address`, in the caller's transaction. Earlier unused links of the same purpose end. */
async function issue (tx: PoolClient, userId: number, purpose: TokenPurpose, address: string, links: AccountLinks, newEmail: string | null = null) {
  await tx.query('DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [userId, purpose])
  const nonce = AccountLinks.nonce()
  const { rows: [{ id }] } = await tx.query(
    `INSERT INTO account_tokens (user_id, purpose, nonce, token_hash, new_email, expires_at)
     VALUES ($1, $2, $3, '\\x00', $4, now() + make_interval(mins => $5)) RETURNING id`,
    [userId, purpose, nonce, newEmail, TOKEN_TTL_MINUTES[purpose]])
  await tx.query('UPDATE account_tokens SET token_hash = $2 WHERE id = $1', [id, hashAccountToken(links.token(id, nonce))])
  await tx.query('INSERT INTO account_emails (token_id, address) VALUES ($1, $2)', [id, address])
}

/** Reset request limits: per address and per client address, within the window. */
export const RESET_LIMITS = { windowMinutes: 60, perEmail: 3, perClient: 20 }

/**
 * A reset link for the account with this address, if there is one. The answer is the same either way (the caller
 * answers 202 whatever happens here, unless throttled, which also does not depend on the account existing).
 */
export async function requestReset (pool: Pool, email: string, client: string, links: AccountLinks) {
  const { rows: [claim] } = await pool.query('SELECT claim_reset_request($1, $2, make_interval(mins => $3), $4, $5) AS admitted',
    [email, client, RESET_LIMITS.windowMinutes, RESET_LIMITS.perEmail, RESET_LIMITS.perClient])
  if (!claim.admitted) {
    throw Object.assign(appError('TOO_MANY_ATTEMPTS', { what: 'password reset requests', minutes: RESET_LIMITS.windowMinutes }), { retryAfter: RESET_LIMITS.windowMinutes * 60 })
  }
  await transaction(pool, async tx => {
    // A deleted account's address is one under .invalid, but it is never sent a link either way.
    const { rows: [user] } = await tx.query('SELECT id, email FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL', [email])
    if (user) await issue(tx, user.id, 'password_reset', user.email, links)
  })
}

/** Takes a token for its purpose, once: the row, or 400 INVALID_ACCOUNT_TOKEN when unknown, used or past its hour. */
async function take (tx: PoolClient, token: string, purpose: TokenPurpose) {
  const { rows: [row] } = await tx.query(
    `UPDATE account_tokens SET used_at = now()
      WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
      RETURNING user_id, new_email`, [hashAccountToken(token), purpose])
  if (!row) throw invalidToken()
  return row as { user_id: string, new_email: string | null }
}

/** A new password from a reset link: the link is used up, and every session of the account ends. */
export async function confirmReset (pool: Pool, input: { token: string, new_password: string }) {
  // Checked before the link is used, so a weak password does not waste it; taken for good in the transaction.
  const { rows: [user] } = await pool.query(
    `SELECT u.id, u.name, u.email FROM account_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.purpose = 'password_reset' AND t.used_at IS NULL AND t.expires_at > now()`, [hashAccountToken(input.token)])
  if (!user) throw invalidToken()
  await checkPassword(input.new_password, user, 'new_password')
  const hash = await hashPassword(input.new_password)
  await transaction(pool, async tx => {
    const { user_id: userId } = await take(tx, input.token, 'password_reset')
    await tx.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, hash])
    await closeAllSessions(tx, Number(userId))
  })
}

/** An e-mail change: the link goes to the new address; nothing changes until it is opened. 409 if the address has an account. */
export async function requestEmailChange (pool: Pool, limits: ThrottleLimits, user: User, input: { new_email: string, password: string }, client: string, links: AccountLinks) {
  await confirmPassword(pool, limits, user, input.password, client)
  if (input.new_email.toLowerCase() === user.email.toLowerCase()) throw badRequest({ sentence: 'This is already your e-mail address.' }, 'new_email')
  await transaction(pool, async tx => {
    const { rows } = await tx.query('SELECT 1 FROM users WHERE lower(email) = lower($1)', [input.new_email])
    if (rows.length > 0) throw appError('EMAIL_TAKEN')
    await issue(tx, user.id, 'email_change', input.new_email, links, input.new_email)
  })
}

/** The link of an e-mail change was opened: the address changes now (409 if someone registered it meanwhile). */
export async function confirmEmailChange (pool: Pool, token: string): Promise<User> {
  return transaction(pool, async tx => {
    const { user_id: userId, new_email: email } = await take(tx, token, 'email_change')
    const { rows } = await tx.query(
      `UPDATE users SET email = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users o WHERE lower(o.email) = lower($2) AND o.id <> $1)
       RETURNING ${USER_COLUMNS}`, [userId, email])
    if (rows.length === 0) throw appError('EMAIL_TAKEN')
    return rows[0]
  })
}
