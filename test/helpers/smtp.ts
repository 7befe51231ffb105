import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Received { messageId: string, to: string, subject: string, text: string, html: string, headers: ParsedMail['headers'], listUnsubscribe: string, raw: string }

/**
 * A real SMTP server over TCP for the tests: it keeps every message it accepts. stop() takes it off the port (an
 * outage), start() puts it back on the same port. Recipients matching `refuse` get a 550.
 */
export async function smtpSink (opts: { refuse?: RegExp, delayMs?: number } = {}) {
  const received: Received[] = []
  let server: SMTPServer | undefined
  let port = 0

  async function start () {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onRcptTo (address, _session, callback) {
        if (opts.refuse?.test(address.address)) return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }))
        callback()
      },
      onData (stream, _session, callback) {
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
    /** Changeable while it runs (delayMs: how long each message takes to be accepted). */
    options: opts,
    get url () { return `smtp://127.0.0.1:${port}` },
    to: (address: string) => received.filter(m => m.to.includes(address)),
    start,
    async stop () {
      const s = server
      server = undefined
      await new Promise<void>(resolve => s ? s.close(() => resolve()) : resolve())
    }
  }
}
