import { closeAllSessions } from '../auth/sessions.ts'
import type { ThrottleLimits } from '../auth/throttle.ts'
import type { User } from '../auth/users.ts'
import { TOPICS } from '../bookings/events.ts'
import { transaction, type Pool, type Queryable } from '../db/pool.ts'
import { unauthorized } from '../errors.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { removeUnused } from '../photos/service.ts'
import type { Storage } from '../storage/storage.ts'
import { traceparentOf } from '../tracing/spans.ts'
import { confirmPassword } from './service.ts'

// Deleting an account (docs/security.md, "Deleting an account", says what goes and what is kept, and why). One
// transaction, after the password is confirmed: the bookings' part in booking.sql (close_account(): places
// unlisted, requests withdrawn or declined, stays not yet begun cancelled, each through cancel_booking() with its
// event, so the other party is told, in words that say why), then the person's own things (sessions, favorites,
// inbox, links, e-mail), then the user row emptied. The row stays: bookings, messages and their history are the
// other party's records too and point at it; it reads "Deleted account". Files (photos of the places, the avatar)
// are removed after the commit, as every photo's are (src/photos/service.ts): a failure there leaves unused files,
// never a photo without its file.

/** The name a deleted account shows wherever the other party meets it. */
export const DELETED_NAME = 'Deleted account'

/** What deleting the account does (or did) to bookings and places. */
export interface DeletionSummary {
  requests_withdrawn: number
  stays_cancelled: number
  requests_declined: number
  hosted_stays_cancelled: number
  properties_unlisted: number
}

/** What deleting the account would do now: the same definition close_account() uses (account_closure_bookings). */
export async function deletionPreview (db: Queryable, user: User): Promise<DeletionSummary> {
  const { rows: [r] } = await db.query(
    `SELECT count(*) FILTER (WHERE side = 'guest' AND status = 'pending')::int AS requests_withdrawn,
            count(*) FILTER (WHERE side = 'guest' AND status = 'accepted')::int AS stays_cancelled,
            count(*) FILTER (WHERE side = 'host' AND status = 'pending')::int AS requests_declined,
            count(*) FILTER (WHERE side = 'host' AND status = 'accepted')::int AS hosted_stays_cancelled,
            (SELECT count(*)::int FROM properties WHERE owner_id = $1 AND listed) AS properties_unlisted
       FROM account_closure_bookings($1)`, [user.id])
  return r
}

/**
 * Deletes the signed-in person's account, with their password (400 WRONG_PASSWORD, throttled as sign-ins are):
 * all of it commits or none of it. Answers what was cancelled and unlisted.
 */
export async function deleteAccount (pool: Pool, storage: Storage, limits: ThrottleLimits, user: User, password: string, client: string,
  log: { warn: (obj: object, msg: string) => void }): Promise<DeletionSummary> {
  await confirmPassword(pool, limits, user, password, client, 'password')
  const { summary, files } = await transaction(pool, async tx => {
    // The row first: a second deletion at once waits here and then finds it gone. A request of this person's on the
    // way meets close_account()'s lock below: one that holds it is waited for and its booking closed with the rest;
    // one that comes after waits for the commit and then finds the account deleted: it writes nothing (401, as the
    // person is signed out). NO KEY UPDATE, not FOR UPDATE: a guest's request at one of this account's places holds
    // the place's lock and then the foreign key's KEY SHARE on this row, while close_account() waits for the place:
    // FOR UPDATE would close that cycle.
    const { rows: [row] } = await tx.query('SELECT deleted_at, avatar FROM users WHERE id = $1 FOR NO KEY UPDATE', [user.id])
    if (!row || row.deleted_at) throw unauthorized()
    const { rows: [summary] } = await tx.query<DeletionSummary>(
      'SELECT * FROM close_account($1, in_trace($2, $3))', [user.id, TOPICS.statusUpdated, traceparentOf()])
    // The places' photos go (the places stay, unlisted: past stays name them); their files after the commit.
    const { rows: photos } = await tx.query(
      'DELETE FROM property_photos WHERE property_id IN (SELECT id FROM properties WHERE owner_id = $1) RETURNING variants', [user.id])
    const files = [...photos.flatMap(p => p.variants), ...(row.avatar?.variants ?? [])].map((v: { key: string }) => v.key)
    await closeAllSessions(tx, user.id)
    await tx.query('DELETE FROM favorites WHERE user_id = $1', [user.id])
    await tx.query('DELETE FROM notifications WHERE user_id = $1', [user.id])
    await tx.query('DELETE FROM account_tokens WHERE user_id = $1', [user.id])
    // No e-mail of any kind goes to the account again (booking e-mails, message digests ask this), and the
    // addresses the e-mail log kept for it go.
    await tx.query(`INSERT INTO user_preferences (user_id, email_notifications) VALUES ($1, false)
                    ON CONFLICT (user_id) DO UPDATE SET email_notifications = false, updated_at = now()`, [user.id])
    await tx.query('UPDATE email_messages SET address = $2 WHERE recipient_id = $1', [user.id, deletedAddress(user.id)])
    // The row, emptied: an address under .invalid (RFC 2606: it never receives mail, and nobody can sign up with
    // it) frees the real one; '!' is no hash verifyPassword reads, so no password signs in.
    await tx.query(
      `UPDATE users SET name = $2, email = $3, password_hash = '!', about = '', city = '', languages = '{}', avatar = NULL,
              locale = 'en', time_zone = 'UTC', deleted_at = now()
        WHERE id = $1`, [user.id, DELETED_NAME, deletedAddress(user.id)])
    return { summary, files }
  })
  wakeRelay(pool)
  try {
    await removeUnused(pool, storage, files)
  } catch (err) {
    // The account is deleted; only files no row names are left behind. Logged for the operator.
    log.warn({ err, userId: user.id, files: files.length }, 'account deleted, but removing its photo files failed; they are unused')
  }
  return summary
}

const deletedAddress = (id: number) => `deleted-${id}@deleted.invalid`
