import { createHash } from 'node:crypto'
import nodemailer from 'nodemailer'
import MailComposer from 'nodemailer/lib/mail-composer'
import { PermanentEventError } from '../kafka/consumer/errors.ts'
import { serialize } from './mime.ts'
import type { Rendered } from './render.ts'

export interface Mail extends Rendered {
  to: { name: string, address: string }
  messageId: string
  /** The one-click unsubscribe URL (POST), absolute: List-Unsubscribe. Absent on account e-mails, which no one unsubscribes from. */
  unsubscribeUrl?: string
}

/** The SMTP server refused this message for good (a 5xx for the address or the message): record it, do not retry. */
export class MailRefused extends PermanentEventError {
  static readonly code = 'SMTP_REFUSED'
  constructor (message: string) { super(MailRefused.code, message) }
}

/** The SMTP server is unreachable, or answered 4xx (try later): the event goes round the retry lane. */
export class MailUnavailable extends Error {
  readonly code = 'SMTP_UNAVAILABLE'
}

/**
 * The Message-ID of the message for this event and recipient: the same on every resend, so any mail system can tell
 * a resend after a crash from a new message.
 */
export function messageIdFor (eventId: string, recipientId: number, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'hostly.localhost'
  const hash = createHash('sha256').update(`${eventId}:${recipientId}`).digest('hex').slice(0, 32)
  return `<${hash}@${domain}>`
}

/** The message as nodemailer takes it: a text and an HTML alternative, the unsubscribe headers when it has a link. */
export const mailOptions = (from: string, mail: Mail) => ({
  from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  messageId: mail.messageId,
  // RFC 8058: a mail client may POST `List-Unsubscribe=One-Click` to the URL, with no cookie, to unsubscribe.
  headers: mail.unsubscribeUrl ? { 'List-Unsubscribe': `<${mail.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}
})

/** The message's MIME tree, as nodemailer's sendMail() would compose it. */
export const compose = (from: string, mail: Mail) => new MailComposer(mailOptions(from, mail)).compile()

export interface Mailer {
  send (mail: Mail): Promise<void>
  close (): void
}

/** SMTP to the URL: smtps:// is TLS from the start, smtp:// upgrades with STARTTLS when offered; user:pass@ authenticates. */
export function createMailer (smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl + (smtpUrl.includes('?') ? '&' : '?') + 'pool=true&maxConnections=2')
  return {
    async send (mail) {
      try {
        const message = compose(from, mail)
        // One buffer: streamed part by part, each small piece of the message was a write on the socket of its own.
        await transport.sendMail({ envelope: message.getEnvelope(), raw: serialize(message) })
      } catch (err) {
        const e = err as Error & { code?: string, responseCode?: number, response?: string }
        const status = e.responseCode ?? 0
        // An address the server will never take (5xx, or not an address at all), or a message it rejects for good.
        if ((e.code === 'EENVELOPE' && (status === 0 || status >= 500)) || (e.code === 'EMESSAGE' && status >= 500)) {
          throw new MailRefused(`SMTP refused the message: ${e.response ?? e.message}`)
        }
        throw new MailUnavailable(`SMTP unavailable: ${e.response ?? e.message}`)
      }
    },
    close () { transport.close() }
  }
}
