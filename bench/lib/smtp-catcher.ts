// A local SMTP server for the bench's e-mail worker: it accepts every message over TCP and counts it, reading the
// data but not parsing it (the bench measures Hostly's side of SMTP, not a mail store).
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface SmtpCatcher { url: string, received (): number, stop (): Promise<void> }

export async function startSmtpCatcher (): Promise<SmtpCatcher> {
  let received = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onData (stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => { received++; callback() })
    }
  })
  server.on('error', () => {})
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    stop: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}
