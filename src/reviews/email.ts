import { createMailer, MailRefused, messageIdFor } from '../email/mailer.ts'
import { render } from '../email/render.ts'
import type { EmailOptions } from '../email/service.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import { decodeReviewPublished, REVIEW_TOPICS, type ReviewPublished } from './events.ts'
import { believeReviews, type ReviewFacts } from './trust.ts'
import { reviewHeadline, reviewSentence } from './words.ts'

/** The booking e-mail service's options: the same SMTP server, sender, links and metrics. */
export type ReviewEmailOptions = EmailOptions

/**
 * The review e-mail service: one e-mail to the reviewed party per published review, with the review's words, unless
 * they turned e-mail off (recorded as skipped). At most one per event and recipient, as the booking e-mails:
 * recorded in email_messages and committed before it is sent, marked sent after; a redelivered event finds it sent
 * and does nothing, a crash between send and mark sends it again with the same Message-ID.
 */
export function createReviewEmailService (opts: ReviewEmailOptions): ConsumerSpec<ReviewPublished> & { close (): void } {
  const { pool, log } = opts
  const mailer = createMailer(opts.smtpUrl, opts.mailFrom)

  async function sendOne (event: DecodedEvent<ReviewPublished>, f: ReviewFacts) {
    const recipientId = f.subject_id
    const messageId = messageIdFor(event.id, recipientId, opts.mailFrom)
    const wants = f.subject_wants_email
    // Recorded and committed before sending (the pool, not the batch's transaction): attempts counts the sends.
    const { rows: [claim] } = await pool.query({
      name: 'review-email-claim',
      text: `INSERT INTO email_messages (event_id, recipient_id, message_id, kind, address, status, attempts)
             VALUES ($1, $2, $3, 'review_published', $4, $5, $6)
             ON CONFLICT (event_id, recipient_id) DO UPDATE SET attempts = email_messages.attempts + 1 WHERE email_messages.status = 'sending'
             RETURNING attempts`,
      values: [event.id, recipientId, messageId, f.subject_email, wants ? 'sending' : 'skipped', wants ? 1 : 0]
    })
    if (!claim || !wants) return // sent, refused or skipped before: nothing to do
    const { rows: [review] } = await pool.query('SELECT comment FROM reviews WHERE id = $1', [f.review_id])
    // From the event's time, not the clock's: a resend after a crash is the same message, link included.
    const token = opts.unsubscribe.make(recipientId, Date.parse(event.payload.published_at))
    const mail = render('review_published', {
      recipient: f.subject,
      address: f.subject_email,
      headline: reviewHeadline(f),
      summary: reviewSentence(f, event.payload.rating),
      comment: String(review.comment).split('\n'),
      booking_url: `${opts.appUrl}/bookings/${f.booking_id}`,
      settings_url: `${opts.appUrl}/settings`,
      unsubscribe_url: `${opts.appUrl}/unsubscribe?token=${token}`
    })
    try {
      await mailer.send({ ...mail, to: { name: f.subject, address: f.subject_email }, messageId, unsubscribeUrl: `${opts.appUrl}/api/unsubscribe?token=${token}` })
    } catch (err) {
      if (!(err instanceof MailRefused)) throw err // retried: the row stays 'sending'
      await pool.query("UPDATE email_messages SET status = 'failed', error = $3 WHERE event_id = $1 AND recipient_id = $2", [event.id, recipientId, err.message])
      opts.metrics?.emails.inc({ outcome: 'failed' })
      log.warn({ eventId: event.id, messageId, err: err.message }, 'review e-mail refused by the SMTP server, not retried')
      return
    }
    await pool.query("UPDATE email_messages SET status = 'sent', sent_at = now(), error = NULL WHERE event_id = $1 AND recipient_id = $2", [event.id, recipientId])
    opts.metrics?.emails.inc({ outcome: 'sent' })
  }

  return {
    name: 'review-email',
    group: 'review-email-group',
    topic: REVIEW_TOPICS.published,
    decode: message => decodeReviewPublished(message),
    async handle (tx, events, _looked, stopping) {
      // A forged or contradicting event e-mails no one: it is refused (an UntrustedReview) before anything is sent.
      const facts = await believeReviews(tx, events)
      for (const [i, event] of events.entries()) {
        stopping?.throwIfAborted() // as the booking e-mails do (email/service.ts)
        await sendOne(event, facts[i])
      }
    },
    close: () => mailer.close()
  }
}
