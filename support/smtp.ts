// A real SMTP server over TCP, for the tests (test/helpers/smtp.ts), the chaos run and the benchmark's live phase: it keeps every
// message it accepts and counts deliveries per Message-ID (a resend after a crash between send and mark counts
// twice), and fails the ways mail servers do: stop() takes it off its port (an outage) and start() puts it back on
// the same port; refuse() answers 451 (a temporary refusal the sender must retry) until accept(); recipients
// matching `refuse` get a 550 (a refusal for good).
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Received { messageId: string, to: string, subject: string, text: string, html: string, headers: ParsedMail['headers'], listUnsubscribe: string, raw: string }

export interface SmtpSinkOptions {
  /** Recipients to refuse for good (550). */
  refuse?: RegExp
  /** How long each message takes to be accepted, ms (it is kept before the reply). */
  delayMs?: number
  /** Count deliveries only, reading no more than the Message-ID header: for long runs, which need not keep messages. */
  countOnly?: boolean
}

const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]+>)/im

export async function smtpSink (opts: SmtpSinkOptions = {}) {
  const received: Received[] = []
  const deliveries = new Map<string, number>()
  const delivered = (id: string) => deliveries.set(id, (deliveries.get(id) ?? 0) + 1)
  let refusing = false
  let server: SMTPServer | undefined
  let port = 0

  async function start () {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onMailFrom (_address, _session, callback) {
        if (refusing) return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
        callback()
      },
      onRcptTo (address, _session, callback) {
        if (opts.refuse?.test(address.address)) return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }))
        callback()
      },
      onData (stream, _session, callback) {
        if (opts.countOnly) {
          let head = ''
          stream.on('data', (chunk: Buffer) => { if (head.length < 16_384) head += chunk.toString('utf8') })
          stream.on('end', () => { delivered(MESSAGE_ID.exec(head)?.[1] ?? '(none)'); callback() })
          return
        }
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        simpleParser(stream).then(async m => {
          received.push({
            messageId: m.messageId ?? '',
            to: Array.isArray(m.to) ? m.to.map(a => a.text).join(', ') : m.to?.text ?? '',
            subject: m.subject ?? '',
            text: m.text ?? '',
            html: typeof m.html === 'string' ? m.html : '',
            headers: m.headers,
            listUnsubscribe: m.headerLines.find(h => h.key === 'list-unsubscribe')?.line ?? '',
            raw: Buffer.concat(chunks).toString('utf8')
          })
          delivered(m.messageId ?? '(none)')
          // The message is kept before the reply: a client that dies waiting for it has sent it nonetheless.
          if (opts.delayMs) await new Promise(resolve => setTimeout(resolve, opts.delayMs))
          callback()
        }, err => callback(err))
      }
    })
    s.on('error', () => {})
    await new Promise<void>(resolve => s.listen(port, '127.0.0.1', () => resolve()))
    port = (s.server.address() as AddressInfo).port
    server = s
  }

  await start()
  return {
    received,
    /** Deliveries per Message-ID. */
    deliveries,
    /** How many messages it accepted in all. */
    count: () => [...deliveries.values()].reduce((a, b) => a + b, 0),
    /** Changeable while it runs (delayMs: how long each message takes to be accepted). */
    options: opts,
    get url () { return `smtp://127.0.0.1:${port}` },
    to: (address: string) => received.filter(m => m.to.includes(address)),
    /** 451 to every message until accept(). */
    refuse () { refusing = true },
    accept () { refusing = false },
    start,
    /** Off its port (connections refused) until start(). */
    async stop () {
      const s = server
      server = undefined
      await new Promise<void>(resolve => s ? s.close(() => resolve()) : resolve())
    }
  }
}

export type SmtpSink = Awaited<ReturnType<typeof smtpSink>>
