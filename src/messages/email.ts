import type { Logger } from 'pino'
import type { Client, Pool } from '../db/pool.ts'
import { createMailer, MailRefused, messageIdFor } from '../email/mailer.ts'
import { render } from '../email/render.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import type { Metrics } from '../metrics/registry.ts'
import type { UnsubscribeTokens } from '../notifications/unsubscribe.ts'
import { decodeMessageSent, MESSAGE_TOPICS, type MessageSent } from './events.ts'
import { believeMessages, type MessageFacts } from './trust.ts'

export interface DigestOptions {
  pool: Pool
  smtpUrl: string
  mailFrom: string
  appUrl: string
  /** At most one e-mail per thread and recipient this often (MESSAGE_EMAIL_QUIET). */
  quietMs: number
  unsubscribe: UnsubscribeTokens
  log: Logger
  metrics?: Pick<Metrics, 'emails'>
}

/** Messages listed in one e-mail at most; the rest are counted ("and 3 more"). */
const LISTED = 20

const quietWords = (ms: number) => ms % 3_600_000 === 0 ? plural(ms / 3_600_000, 'hour') : ms % 60_000 === 0 ? plural(ms / 60_000, 'minute') : plural(Math.ceil(ms / 1000), 'second')
const plural = (n: number, unit: string) => n === 1 ? unit : `${n} ${unit}s`

/**
 * The message e-mail service: digests, so a chat does not become forty e-mails. A message whose recipient was e-mailed
 * about its thread less than quietMs ago is held; otherwise the recipient gets one e-mail listing every message of
 * the other party they have neither read nor been e-mailed yet, this one included. Held messages are listed in the
 * next e-mail, sent for the next message after the quiet period. One e-mail per event and recipient at most, as the
 * booking e-mails (email_messages: recorded and committed before it is sent, marked after, the same Message-ID on
 * a resend); a recipient who turned e-mail off is recorded as skipped.
 */
export function createDigestService (opts: DigestOptions): ConsumerSpec<MessageSent> & { close (): void } {
  const { pool, log } = opts
  const mailer = createMailer(opts.smtpUrl, opts.mailFrom)

  /** The party's digest state, locked for this transaction (the retry lane's member may hold the same thread). */
  async function state (tx: Client, threadId: number, userId: number) {
    const { rows: [row] } = await tx.query({
      name: 'digest-state',
      text: `SELECT p.emailed_at > now() - $3 * interval '1 millisecond' AS quiet, greatest(p.emailed_through, p.last_read_id) AS after,
                    u.name, u.email, coalesce(up.email_notifications, true) AS wants
               FROM thread_parties p JOIN users u ON u.id = p.user_id LEFT JOIN user_preferences up ON up.user_id = u.id
              WHERE p.thread_id = $1 AND p.user_id = $2 FOR UPDATE OF p`,
      values: [threadId, userId, opts.quietMs]
    })
    return row as { quiet: boolean | null, after: number, name: string, email: string, wants: boolean } | undefined
  }

  /** The messages to list: the other party's, after what was e-mailed or read, up to this event's message. */
  async function unsent (tx: Client, e: MessageSent, after: number) {
    const { rows } = await tx.query({
      name: 'digest-messages',
      text: `SELECT m.body, m.created_at, u.name AS sender, count(*) OVER () AS total
               FROM messages m JOIN users u ON u.id = m.sender_id
              WHERE m.thread_id = $1 AND m.sender_id <> $2 AND m.id > $3 AND m.id <= $4 ORDER BY m.id LIMIT ${LISTED}`,
      values: [e.thread_id, e.recipient_id, after, e.id]
    })
    return rows as Array<{ body: string, created_at: Date, sender: string, total: string }>
  }

  async function digest (tx: Client, event: DecodedEvent<MessageSent>, f: MessageFacts) {
    const e = event.payload
    const who = await state(tx, e.thread_id, e.recipient_id)
    if (!who || who.quiet) return // held: listed in the next e-mail about this thread
    const listed = await unsent(tx, e, who.after)
    if (listed.length === 0) return // read (or answered) before this event arrived: nothing to tell
    await tx.query('UPDATE thread_parties SET emailed_at = now(), emailed_through = $3 WHERE thread_id = $1 AND user_id = $2', [e.thread_id, e.recipient_id, e.id])
    const messageId = messageIdFor(event.id, e.recipient_id, opts.mailFrom)
    // Recorded and committed before sending (the pool, not the batch's transaction), as the booking e-mails.
    const { rows: [claim] } = await pool.query({
      name: 'digest-claim',
      text: `INSERT INTO email_messages (event_id, recipient_id, message_id, kind, address, status, attempts)
             VALUES ($1, $2, $3, 'message_digest', $4, $5, $6)
             ON CONFLICT (event_id, recipient_id) DO UPDATE SET attempts = email_messages.attempts + 1 WHERE email_messages.status = 'sending'
             RETURNING attempts`,
      values: [event.id, e.recipient_id, messageId, who.email, who.wants ? 'sending' : 'skipped', who.wants ? 1 : 0]
    })
    if (!claim || !who.wants) return
    await send(event, f, who, listed, messageId)
  }

  async function send (event: DecodedEvent<MessageSent>, f: MessageFacts, who: { name: string, email: string }, listed: Awaited<ReturnType<typeof unsent>>, messageId: string) {
    const e = event.payload
    const total = Number(listed[0].total)
    const sender = listed[0].sender
    const token = opts.unsubscribe.make(e.recipient_id, Date.parse(e.created_at))
    const lines = listed.map(m => `${m.sender}: ${m.body}`)
    if (total > listed.length) lines.push(`… and ${total - listed.length} more in Hostly.`)
    const mail = await render('message_digest', {
      recipient: who.name,
      address: who.email,
      headline: total === 1 ? `${sender} wrote to you about ${f.property}` : `${total} new messages from ${sender} about ${f.property}`,
      summary: total === 1 ? `${sender} wrote to you about ${f.property}:` : `${sender} wrote ${total} messages to you about ${f.property}:`,
      messages: lines,
      quiet: quietWords(opts.quietMs),
      thread_url: `${opts.appUrl}/threads/${e.thread_id}`,
      settings_url: `${opts.appUrl}/settings`,
      unsubscribe_url: `${opts.appUrl}/unsubscribe?token=${token}`
    })
    try {
      await mailer.send({ ...mail, to: { name: who.name, address: who.email }, messageId, unsubscribeUrl: `${opts.appUrl}/api/unsubscribe?token=${token}` })
    } catch (err) {
      if (!(err instanceof MailRefused)) throw err // retried: the row stays 'sending'
      await pool.query("UPDATE email_messages SET status = 'failed', error = $3 WHERE event_id = $1 AND recipient_id = $2", [event.id, e.recipient_id, err.message])
      opts.metrics?.emails.inc({ outcome: 'failed' })
      log.warn({ eventId: event.id, messageId, err: err.message }, 'message e-mail refused by the SMTP server, not retried')
      return
    }
    await pool.query("UPDATE email_messages SET status = 'sent', sent_at = now(), error = NULL WHERE event_id = $1 AND recipient_id = $2", [event.id, e.recipient_id])
    opts.metrics?.emails.inc({ outcome: 'sent' })
  }

  return {
    name: 'message-email',
    group: 'message-email-group',
    topic: MESSAGE_TOPICS.sent,
    decode: message => decodeMessageSent(message),
    async handle (tx, events) {
      const facts = await believeMessages(tx, events)
      for (const [i, event] of events.entries()) await digest(tx, event, facts[i])
    },
    close: () => mailer.close()
  }
}
