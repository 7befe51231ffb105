import type { Logger } from 'pino'
import { transaction, type Client, type Pool } from '../db/pool.ts'
import { createMailer, MailRefused, messageIdFor } from '../email/mailer.ts'
import { render } from '../email/render.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import type { Metrics } from '../metrics/registry.ts'
import type { UnsubscribeTokens } from '../notifications/unsubscribe.ts'
import { repeat, type Loop } from '../timing.ts'
import { decodeMessageSent, MESSAGE_TOPICS, type MessageSent } from './events.ts'
import { lockParties } from './store.ts'
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

interface Recipient { name: string, email: string, wants: boolean }
type Listed = Array<{ body: string, created_at: Date, sender: string, total: string }>

/** Due digests sent by one sweep at most; a full batch is followed by another at once. */
export const SWEEP_BATCH = 100

/** One digest to send: to one party of a thread, listing the other's messages up to `through`, for one event. */
interface Digest { eventId: string, threadId: number, recipientId: number, through: number, createdAt: string, property: string }

/**
 * The message e-mail service: digests, so a chat does not become forty e-mails. A message whose recipient was e-mailed
 * about its thread less than quietMs ago is held (recorded on their thread_parties row); otherwise the recipient gets
 * one e-mail listing every message of the other party they have neither read nor been e-mailed yet, this one
 * included. Held messages are listed in the next e-mail: the one for the next message after the quiet period, or the
 * one sendDue() sends for them once the period has passed, whichever comes first (both lock the row). One e-mail per
 * digest at most, as the booking e-mails (email_messages: recorded and committed before it is sent, marked after, the
 * same Message-ID on a resend, derived from the event of the newest message listed); a recipient who turned e-mail
 * off is recorded as skipped.
 */
export function createDigestService (opts: DigestOptions): ConsumerSpec<MessageSent> & { sendDue (stopping?: AbortSignal): Promise<number>, close (): void } {
  const { pool, log } = opts
  const mailer = createMailer(opts.smtpUrl, opts.mailFrom)

  /**
   * The party's digest state. Its row is locked already by whoever calls: the consumer locks its batch's rows
   * (lockParties), the sweep the rows it found (SKIP LOCKED); this statement, after the lock, reads them as committed.
   */
  async function state (tx: Client, threadId: number, userId: number) {
    const { rows: [row] } = await tx.query({
      name: 'digest-state',
      text: `SELECT p.emailed_at > now() - $3 * interval '1 millisecond' AS quiet, greatest(p.emailed_through, p.last_read_id) AS after,
                    u.name, u.email, coalesce(up.email_notifications, true) AS wants
               FROM thread_parties p JOIN users u ON u.id = p.user_id LEFT JOIN user_preferences up ON up.user_id = u.id
              WHERE p.thread_id = $1 AND p.user_id = $2`,
      values: [threadId, userId, opts.quietMs]
    })
    return row as Recipient & { quiet: boolean | null, after: number } | undefined
  }

  /** The messages to list: the other party's, after what was e-mailed or read, up to the digest's newest. */
  async function unsent (tx: Client, d: Digest, after: number) {
    const { rows } = await tx.query({
      name: 'digest-messages',
      text: `SELECT m.body, m.created_at, u.name AS sender, count(*) OVER () AS total
               FROM messages m JOIN users u ON u.id = m.sender_id
              WHERE m.thread_id = $1 AND m.sender_id <> $2 AND m.id > $3 AND m.id <= $4 ORDER BY m.id LIMIT ${LISTED}`,
      values: [d.threadId, d.recipientId, after, d.through]
    })
    return rows as Listed
  }

  /** Held: recorded, so that sendDue() finds it once the quiet period has passed. */
  async function hold (tx: Client, d: Digest) {
    await tx.query({
      name: 'digest-hold',
      text: 'UPDATE thread_parties SET held_through = $3, held_event_id = $4 WHERE thread_id = $1 AND user_id = $2 AND held_through < $3',
      values: [d.threadId, d.recipientId, d.through, d.eventId]
    })
  }

  /** The digest's e-mail, unless the party is in their quiet period (then held) or has nothing unread left. */
  async function digest (tx: Client, d: Digest) {
    const who = await state(tx, d.threadId, d.recipientId)
    if (!who) return
    if (who.quiet) return hold(tx, d)
    const listed = await unsent(tx, d, who.after)
    if (listed.length === 0) return // read (or answered) before this event arrived: nothing to tell
    await tx.query('UPDATE thread_parties SET emailed_at = now(), emailed_through = $3 WHERE thread_id = $1 AND user_id = $2', [d.threadId, d.recipientId, d.through])
    const messageId = messageIdFor(d.eventId, d.recipientId, opts.mailFrom)
    // Recorded and committed before sending (the pool, not the batch's transaction), as the booking e-mails.
    const { rows: [claim] } = await pool.query({
      name: 'digest-claim',
      text: `INSERT INTO email_messages (event_id, recipient_id, message_id, kind, address, status, attempts)
             VALUES ($1, $2, $3, 'message_digest', $4, $5, $6)
             ON CONFLICT (event_id, recipient_id) DO UPDATE SET attempts = email_messages.attempts + 1 WHERE email_messages.status = 'sending'
             RETURNING attempts`,
      values: [d.eventId, d.recipientId, messageId, who.email, who.wants ? 'sending' : 'skipped', who.wants ? 1 : 0]
    })
    if (!claim || !who.wants) return
    await send(d, who, listed, messageId)
  }

  async function send (d: Digest, who: Recipient, listed: Listed, messageId: string) {
    const total = Number(listed[0].total)
    const sender = listed[0].sender
    const token = opts.unsubscribe.make(d.recipientId, Date.parse(d.createdAt))
    const lines = listed.map(m => `${m.sender}: ${m.body}`)
    if (total > listed.length) lines.push(`… and ${total - listed.length} more in Hostly.`)
    const mail = render('message_digest', {
      recipient: who.name,
      address: who.email,
      headline: total === 1 ? `${sender} wrote to you about ${d.property}` : `${total} new messages from ${sender} about ${d.property}`,
      summary: total === 1 ? `${sender} wrote to you about ${d.property}:` : `${sender} wrote ${total} messages to you about ${d.property}:`,
      messages: lines,
      quiet: quietWords(opts.quietMs),
      thread_url: `${opts.appUrl}/threads/${d.threadId}`,
      settings_url: `${opts.appUrl}/settings`,
      unsubscribe_url: `${opts.appUrl}/unsubscribe?token=${token}`
    })
    try {
      await mailer.send({ ...mail, to: { name: who.name, address: who.email }, messageId, unsubscribeUrl: `${opts.appUrl}/api/unsubscribe?token=${token}` })
    } catch (err) {
      if (!(err instanceof MailRefused)) throw err // retried: the row stays 'sending'
      await pool.query("UPDATE email_messages SET status = 'failed', error = $3 WHERE event_id = $1 AND recipient_id = $2", [d.eventId, d.recipientId, err.message])
      opts.metrics?.emails.inc({ outcome: 'failed' })
      log.warn({ eventId: d.eventId, messageId, err: err.message }, 'message e-mail refused by the SMTP server, not retried')
      return
    }
    await pool.query("UPDATE email_messages SET status = 'sent', sent_at = now(), error = NULL WHERE event_id = $1 AND recipient_id = $2", [d.eventId, d.recipientId])
    opts.metrics?.emails.inc({ outcome: 'sent' })
  }

  /**
   * Sends up to SWEEP_BATCH due digests: held messages whose party's quiet period has passed, with nothing arriving
   * since to send them. Rows another sweep (another e-mail worker) or the consumer holds are skipped; a send that
   * fails rolls the batch back, and the next sweep sends it again with the same Message-ID. Returns how many it found.
   */
  async function sendDue (stopping?: AbortSignal): Promise<number> {
    return transaction(pool, async tx => {
      const { rows } = await tx.query({
        name: 'digests-due',
        text: `SELECT p.held_event_id::text AS "eventId", p.thread_id AS "threadId", p.user_id AS "recipientId", p.held_through AS through,
                      iso_utc(m.created_at) AS "createdAt", pr.name AS property
                 FROM thread_parties p JOIN threads t ON t.id = p.thread_id JOIN properties pr ON pr.id = t.property_id
                 JOIN messages m ON m.id = p.held_through
                WHERE p.held_through > p.emailed_through AND p.held_through > p.last_read_id
                  AND p.emailed_at <= now() - $1 * interval '1 millisecond'
                ORDER BY p.emailed_at LIMIT ${SWEEP_BATCH} FOR UPDATE OF p SKIP LOCKED`,
        values: [opts.quietMs]
      })
      for (const d of rows as Digest[]) {
        if (stopping?.aborted) break // a worker stopping commits what it sent; the rest stays due for the next sweep
        await digest(tx, d)
      }
      return rows.length
    })
  }

  const fromEvent = (event: DecodedEvent<MessageSent>, f: MessageFacts): Digest => ({
    eventId: event.id, threadId: event.payload.thread_id, recipientId: event.payload.recipient_id, through: event.payload.id, createdAt: event.payload.created_at, property: f.property
  })

  return {
    name: 'message-email',
    group: 'message-email-group',
    topic: MESSAGE_TOPICS.sent,
    decode: message => decodeMessageSent(message),
    async handle (tx, events, _looked, stopping) {
      const facts = await believeMessages(tx, events)
      // All of the batch's rows at once, in the one order the message service takes them too (store.ts).
      await lockParties(tx, events.map(e => ({ threadId: e.payload.thread_id, userId: e.payload.recipient_id })))
      for (const [i, event] of events.entries()) {
        stopping?.throwIfAborted() // as the booking e-mails do (email/service.ts)
        await digest(tx, fromEvent(event, facts[i]))
      }
    },
    sendDue,
    close: () => mailer.close()
  }
}

/** Runs the digest service's sendDue() every intervalMs (at once again while a batch comes back full). */
export function startDigestSweeper (digests: { sendDue (stopping?: AbortSignal): Promise<number> }, intervalMs: number, log: Logger): Loop {
  return repeat(async stopping => {
    const found = await digests.sendDue(stopping)
    if (found > 0) log.info({ found }, 'sent held message e-mails after their quiet period')
    return found < SWEEP_BATCH ? intervalMs : 0
  }, (err, retryInMs) => log.warn({ err: err.message, retryInMs }, 'held message e-mails failed, will retry'), 500, 30_000)
}

/** How often the e-mail worker looks for held messages: a tenth of the quiet period, between 200 ms and 30 s. */
export const digestSweepMs = (quietMs: number) => Math.min(30_000, Math.max(200, Math.round(quietMs / 10)))
