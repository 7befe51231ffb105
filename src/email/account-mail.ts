import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { AccountLinks, TOKEN_PAGE, type TokenPurpose } from '../account/tokens.ts'
import type { Pool } from '../db/pool.ts'
import { repeat, type Loop } from '../timing.ts'
import { createMailer, MailRefused } from './mailer.ts'
import { render } from './render.ts'

// The account e-mails (password reset, e-mail change), sent from account_emails: rows the API's transaction wrote
// with the token they carry a link for (src/account/service.ts). Why a table and not an outbox event on a topic of
// its own: the row is committed with the request, exactly as an outbox row would be, but the e-mail service can read
// it directly, so these e-mails need neither Kafka nor the relay to be up, and carry nothing secret through Kafka's
// retention (the link is rebuilt here from the row's id and nonce under the shared key; only its hash is stored).
// SMTP being down never reaches the API: the row waits, and is tried again with a growing delay.

const BATCH = 10
const POLL_MS = 1000
const MAX_DELAY_S = 300

export interface AccountMailOptions { pool: Pool, smtpUrl: string, mailFrom: string, appUrl: string, key: string, log: Logger }

/** The Message-ID of an account e-mail: from its row, so a resend after a crash is the same message. */
function messageIdOf (id: string, from: string) {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'hostly.localhost'
  return `<account-${createHash('sha256').update(`account-email:${id}`).digest('hex').slice(0, 32)}@${domain}>`
}

interface Due { id: string, address: string, attempts: number, purpose: TokenPurpose, token_id: string, nonce: Buffer, name: string }

/** Starts sending; stop() lets the e-mail in progress finish. */
export function startAccountMail (opts: AccountMailOptions): Loop & { close (): void } {
  const { pool, log } = opts
  const mailer = createMailer(opts.smtpUrl, opts.mailFrom)
  const links = new AccountLinks(opts.key)

  async function sendOne (m: Due) {
    const link = `${opts.appUrl}${TOKEN_PAGE[m.purpose]}?token=${links.token(m.token_id, m.nonce)}`
    const mail = render(m.purpose, { recipient: m.name, address: m.address, link })
    try {
      await mailer.send({ ...mail, to: { name: m.name, address: m.address }, messageId: messageIdOf(m.id, opts.mailFrom) })
    } catch (err) {
      if (!(err instanceof MailRefused)) throw err
      await pool.query("UPDATE account_emails SET status = 'failed', error = $2 WHERE id = $1", [m.id, err.message])
      log.warn({ accountEmail: m.id, err: err.message }, 'account e-mail refused by the SMTP server, not retried')
      return
    }
    await pool.query("UPDATE account_emails SET status = 'sent', sent_at = now(), error = NULL WHERE id = $1", [m.id])
  }

  /** Claims the due e-mails (committed before sending: attempts counts the tries, next_attempt_at the backoff). */
  async function step (stopping: AbortSignal): Promise<number> {
    const { rows } = await pool.query<Due>(
      `UPDATE account_emails e SET status = 'sending', attempts = e.attempts + 1,
              next_attempt_at = now() + make_interval(secs => least(${MAX_DELAY_S}, 2 ^ e.attempts))
         FROM account_tokens t JOIN users u ON u.id = t.user_id
        WHERE e.id IN (SELECT id FROM account_emails WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
                        ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
          AND t.id = e.token_id
        RETURNING e.id, e.address, e.attempts, t.purpose, t.id AS token_id, t.nonce, u.name`)
    for (const m of rows) {
      // A worker stopping leaves the rest 'sending': they are due again after their delay, for whichever worker runs.
      if (stopping.aborted) break
      try {
        await sendOne(m)
      } catch (err) {
        // SMTP unreachable or 4xx: the row stays 'sending' and is due again after its delay.
        await pool.query('UPDATE account_emails SET error = $2 WHERE id = $1', [m.id, (err as Error).message])
        log.warn({ accountEmail: m.id, attempts: m.attempts, err: (err as Error).message }, 'account e-mail not sent, will retry')
      }
    }
    return rows.length === BATCH ? 0 : POLL_MS
  }

  const loop = repeat(step, (err, retryInMs) => log.warn({ err: err.message, retryInMs }, 'account e-mails: cannot read the queue, will retry'), POLL_MS, 30_000)
  return { ...loop, close: () => mailer.close() }
}
