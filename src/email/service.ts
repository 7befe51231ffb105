import type { Logger } from 'pino'
import { decoders, TOPICS, type BookingStatusUpdated, type CancelReason } from '../bookings/events.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer-runner.ts'
import { cancelledBecause } from '../notifications/messages.ts'
import { believe, type AnyPayload } from '../notifications/trust.ts'
import { createMailer, MailRefused, messageIdFor, type Mailer } from './mailer.ts'
import type { Metrics } from '../metrics/registry.ts'
import { render, type Kind } from './render.ts'

export interface EmailOptions { pool: Pool, smtpUrl: string, mailFrom: string, appUrl: string, log: Logger, metrics?: Pick<Metrics, 'emails'> }

/** The facts of a booking an e-mail quotes, and both parties, read from the database. */
async function bookingFacts (db: Queryable, ids: number[]) {
  const { rows } = await db.query({
    name: 'email-facts',
    text: `SELECT b.id, b.start_date, b.end_date, b.num_guests, b.total_price, p.name AS property,
                  o.id AS owner_id, o.name AS owner_name, o.email AS owner_email, coalesce(op.email_notifications, true) AS owner_wants,
                  t.id AS traveler_id, t.name AS traveler_name, t.email AS traveler_email, coalesce(tp.email_notifications, true) AS traveler_wants
             FROM bookings b JOIN properties p ON p.id = b.property_id JOIN users o ON o.id = p.owner_id JOIN users t ON t.id = b.traveler_id
             LEFT JOIN user_preferences op ON op.user_id = o.id LEFT JOIN user_preferences tp ON tp.user_id = t.id
            WHERE b.id = ANY($1)`,
    values: [ids]
  })
  return new Map(rows.map(r => [r.id, r]))
}

const HEADLINES: Record<string, string> = {
  owner_declined: 'Request declined', traveler_cancelled: 'Booking cancelled', dates_taken: 'Dates no longer available', expired: 'Request expired unanswered'
}

/**
 * The e-mail service: one e-mail per notification (the owner's for booking-created, the traveler's for
 * booking-status-updated) unless its recipient turned e-mail off. Each message is recorded (email_messages) and
 * committed before it is sent, and marked sent after; a redelivered event finds it sent and does nothing, or finds
 * it 'sending' (a crash between send and mark) and sends it again with the same Message-ID.
 */
export function createEmailService (opts: EmailOptions): ConsumerSpec<AnyPayload> & { close (): void } {
  const { pool, log } = opts
  const mailer: Mailer = createMailer(opts.smtpUrl, opts.mailFrom)
  const nights = (a: string, b: string) => { const n = (Date.parse(b) - Date.parse(a)) / 86_400_000; return n === 1 ? '1 night' : `${n} nights` }

  /** f: the booking's facts and both parties; recorded: the payload Hostly recorded for the event (trust.ts). */
  async function sendOne (event: DecodedEvent<AnyPayload>, f: Record<string, any>, recorded: Record<string, unknown>) {
    const created = event.topic === TOPICS.created
    const status = { status: recorded.status as BookingStatusUpdated['status'], reason: recorded.reason as CancelReason | undefined }
    const kind: Kind = created ? 'booking_requested' : `booking_${status.status}`
    const [recipientId, name, address, wants] = created
      ? [f.owner_id, f.owner_name, f.owner_email, f.owner_wants]
      : [f.traveler_id, f.traveler_name, f.traveler_email, f.traveler_wants]
    const messageId = messageIdFor(event.id, recipientId, opts.mailFrom)
    // Recorded and committed before sending (the pool, not the batch's transaction): attempts counts the sends.
    const { rows: [claim] } = await pool.query({
      name: 'email-claim',
      text: `INSERT INTO email_messages (event_id, recipient_id, message_id, kind, address, status, attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (event_id, recipient_id) DO UPDATE SET attempts = email_messages.attempts + 1
              WHERE email_messages.status = 'sending'
             RETURNING attempts`,
      values: [event.id, recipientId, messageId, kind, address, wants ? 'sending' : 'skipped', wants ? 1 : 0]
    })
    if (!claim || !wants) return // sent, refused or skipped before: nothing to do
    const mail = await render(kind, {
      recipient: name,
      traveler: f.traveler_name,
      property: f.property,
      start_date: f.start_date,
      end_date: f.end_date,
      nights: nights(f.start_date, f.end_date),
      guests: f.num_guests === 1 ? '1 guest' : `${f.num_guests} guests`,
      total_price: Number(f.total_price).toFixed(2),
      reason: cancelledBecause(status.reason),
      headline: HEADLINES[status.reason ?? ''] ?? 'Booking cancelled',
      booking_url: `${opts.appUrl}/bookings/${f.id}`,
      preferences_url: `${opts.appUrl}/preferences`
    })
    try {
      await mailer.send({ ...mail, to: { name, address }, messageId, unsubscribeUrl: `${opts.appUrl}/preferences` })
    } catch (err) {
      if (!(err instanceof MailRefused)) throw err // retried: the row stays 'sending'
      await pool.query("UPDATE email_messages SET status = 'failed', error = $3 WHERE event_id = $1 AND recipient_id = $2", [event.id, recipientId, err.message])
      opts.metrics?.emails.inc({ outcome: 'failed' })
      log.warn({ eventId: event.id, messageId, err: err.message }, 'e-mail refused by the SMTP server, not retried')
      return
    }
    await pool.query({
      name: 'email-sent',
      text: "UPDATE email_messages SET status = 'sent', sent_at = now(), error = NULL WHERE event_id = $1 AND recipient_id = $2",
      values: [event.id, recipientId]
    })
    opts.metrics?.emails.inc({ outcome: 'sent' })
    if (claim.attempts > 1) log.info({ eventId: event.id, messageId, attempts: claim.attempts }, 'e-mail sent again after an interrupted send (same Message-ID)')
  }

  return {
    name: 'email',
    group: 'email-service-group',
    topic: TOPICS.created,
    topics: [TOPICS.created, TOPICS.statusUpdated],
    decode: (message, topic) => decoders[topic as keyof typeof decoders](message),
    async handle (tx, events) {
      // A forged or contradicting event e-mails no one: it is refused (retryable: false) before anything is sent.
      const trusted = await believe(tx, events)
      const facts = await bookingFacts(tx, trusted.map(t => t.facts.booking_id!))
      for (const [i, event] of events.entries()) await sendOne(event, facts.get(trusted[i].facts.booking_id!)!, trusted[i].recorded)
    },
    close: () => mailer.close()
  }
}
