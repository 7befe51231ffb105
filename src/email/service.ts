import type { Logger } from 'pino'
import { decoders, TOPICS } from '../bookings/events.ts'
import type { Pool } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec, EventLookUp } from '../kafka/consumer/spec.ts'
import { eventContext } from '../kafka/consumer/tracing.ts'
import { inSpan, SpanKind } from '../tracing/spans.ts'
import { readerOf } from '../notifications/consumers.ts'
import { audience, changeOf, describeChange, notificationType, type Party } from '../notifications/messages.ts'
import { believe, eventFacts, type AnyPayload, type BookingEventFacts, type Trusted } from '../notifications/trust.ts'
import type { UnsubscribeTokens } from '../notifications/unsubscribe.ts'
import { createMailer, MailRefused, messageIdFor, type Mailer } from './mailer.ts'
import type { Metrics } from '../metrics/registry.ts'
import { render, type Kind } from './render.ts'

export interface EmailOptions {
  pool: Pool
  smtpUrl: string
  mailFrom: string
  appUrl: string
  /** Signs each recipient's unsubscribe link (UNSUBSCRIBE_KEY, the API's). */
  unsubscribe: UnsubscribeTokens
  log: Logger
  metrics?: Pick<Metrics, 'emails'>
}

/** What the e-mail service reads about an event: its facts (trust.ts), and each party's address and whether they want e-mail. */
interface EmailFacts extends BookingEventFacts {
  owner_email: string
  owner_wants: boolean
  traveler_email: string
  traveler_wants: boolean
}

/** The facts of the events with the parties' addresses, in the statement that records the batch (one round trip less). */
const emailFacts: EventLookUp<AnyPayload> = {
  name: 'email-facts',
  sql: (ids, params) => `SELECT f.*, ou.email AS owner_email, coalesce(op.email_notifications, true) AS owner_wants,
                                tu.email AS traveler_email, coalesce(tp.email_notifications, true) AS traveler_wants
                           FROM (${eventFacts.sql(ids, params)}) AS f
                           LEFT JOIN users ou ON ou.id = f.owner_id
                           LEFT JOIN user_preferences op ON op.user_id = f.owner_id
                           LEFT JOIN users tu ON tu.id = f.traveler_id
                           LEFT JOIN user_preferences tp ON tp.user_id = f.traveler_id`,
  values: eventFacts.values
}

const addressOf = (f: EmailFacts, party: Party) => party === 'owner'
  ? { email: f.owner_email, wants: f.owner_wants }
  : { email: f.traveler_email, wants: f.traveler_wants }

/**
 * The e-mail service: one e-mail per notification (messages.ts: audience, the same parties the notification services
 * tell) unless its recipient turned e-mail off. Each message is recorded (email_messages) and committed before it is
 * sent, and marked sent after; a redelivered event finds it sent and does nothing, or finds it 'sending' (a crash
 * between send and mark) and sends it again with the same Message-ID. Every link is absolute on APP_URL; the
 * unsubscribe link carries a token signed for the recipient (RFC 8058 one-click, List-Unsubscribe-Post).
 */
export function createEmailService (opts: EmailOptions): ConsumerSpec<AnyPayload> & { close (): void } {
  const { pool, log } = opts
  const mailer: Mailer = createMailer(opts.smtpUrl, opts.mailFrom)

  /** The e-mail to one party: t, the event's facts and the payload Hostly recorded for it (trust.ts). */
  async function sendOne (event: DecodedEvent<AnyPayload>, t: Trusted, party: Party, who: { email: string, wants: boolean }) {
    const { facts, recorded } = t
    const change = changeOf(recorded)
    const kind = notificationType(change) as Kind
    const reader = readerOf(facts, party)
    const name = party === 'owner' ? facts.owner : facts.traveler
    const recipientId = reader.userId
    const messageId = messageIdFor(event.id, recipientId, opts.mailFrom)
    // Recorded and committed before sending (the pool, not the batch's transaction): attempts counts the sends.
    const { rows: [claim] } = await pool.query({
      name: 'email-claim',
      text: `INSERT INTO email_messages (event_id, recipient_id, message_id, kind, address, status, attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (event_id, recipient_id) DO UPDATE SET attempts = email_messages.attempts + 1
              WHERE email_messages.status = 'sending'
             RETURNING attempts`,
      values: [event.id, recipientId, messageId, kind, who.email, who.wants ? 'sending' : 'skipped', who.wants ? 1 : 0]
    })
    if (!claim || !who.wants) return // sent, refused or skipped before: nothing to do
    const words = describeChange(change, party, facts, reader)
    // From the event's time, not the clock's: a resend after a crash is the same message, link included.
    const at = String(recorded.updated_at ?? recorded.created_at)
    const token = opts.unsubscribe.make(recipientId, Date.parse(at))
    const mail = render(kind, {
      recipient: name,
      address: who.email,
      headline: words.headline,
      summary: words.sentence,
      traveler: facts.traveler,
      property: facts.property,
      start_date: words.start_date,
      end_date: words.end_date,
      nights: words.nights,
      guests: words.guests,
      total_price: words.total_price,
      when: words.fmt.instant(at),
      booking_url: `${opts.appUrl}/bookings/${facts.booking_id}`,
      settings_url: `${opts.appUrl}/settings`,
      unsubscribe_url: `${opts.appUrl}/unsubscribe?token=${token}`
    })
    try {
      // Traced as a child of the event's processing (its trace is the request's that made the change).
      await inSpan('email send', { kind: SpanKind.CLIENT, parent: eventContext(event), attributes: { 'hostly.email.kind': kind, 'hostly.email.message_id': messageId, 'hostly.email.attempt': claim.attempts } },
        () => mailer.send({ ...mail, to: { name, address: who.email }, messageId, unsubscribeUrl: `${opts.appUrl}/api/unsubscribe?token=${token}` }))
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
    lookUp: emailFacts,
    async handle (tx, events, looked, stopping) {
      // A forged or contradicting event e-mails no one: it is refused (an UntrustedEvent) before anything is sent.
      const trusted = await believe(tx, events, looked)
      for (const [i, t] of trusted.entries()) {
        for (const party of audience(changeOf(t.recorded), t.recorded)) {
          // A batch of 200 events is up to 400 sends: a worker told to stop does not wait for them (spec.ts). The ones
          // sent are marked so; the batch comes again and skips them.
          stopping?.throwIfAborted()
          await sendOne(events[i], t, party, addressOf(t.facts as EmailFacts, party))
        }
      }
    },
    close: () => mailer.close()
  }
}
