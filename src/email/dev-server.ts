import { SMTPServer } from 'smtp-server'
import type { Logger } from 'pino'
import { saveMessage } from './dev-store.ts'

export interface DevMailServer { url: string, stop (): Promise<void> }

/**
 * A catch-all SMTP server on 127.0.0.1, for `hostly start` without SMTP_URL: it takes every message, for anyone, with
 * no authentication, and keeps it in `dir` (shown at /dev/mail and by `hostly mail list`). Never for production.
 */
export async function startDevMailServer (port: number, dir: string, log: Logger): Promise<DevMailServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Hostly development mail catcher',
    logger: false,
    onData (stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        saveMessage(dir, Buffer.concat(chunks)).then(name => {
          log.debug({ name }, 'mail: caught a message')
          callback()
        }, err => callback(err))
      })
    }
  })
  server.on('error', err => log.warn({ err: err.message }, 'mail: development SMTP server error'))
  const listen = (p: number) => new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(p, '127.0.0.1', () => { server.server.off('error', reject); resolve() })
  })
  // A development convenience: a taken port (another hostly start, a mail catcher) is no reason not to start.
  await listen(port).catch(async (err: { code?: string }) => {
    if (err.code !== 'EADDRINUSE' || port === 0) throw err
    log.warn({ port }, 'mail: MAIL_DEV_PORT is taken, catching e-mail on another port')
    await listen(0)
  })
  const address = server.server.address()
  const actual = typeof address === 'object' && address ? address.port : port
  return {
    url: `smtp://127.0.0.1:${actual}`,
    stop: () => new Promise(resolve => server.close(() => resolve()))
  }
}
