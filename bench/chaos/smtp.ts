// The chaos run's mail server: a real SMTP server over TCP that keeps, for each Message-ID, how often it was
// delivered, and that can be made to fail the way mail servers do: refusing for a while (451, a temporary
// refusal the sender must retry) or gone from its port altogether.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export type SmtpMode = 'accepting' | 'refusing'

export interface ChaosSmtp {
  url: string
  /** Deliveries per Message-ID (a resend after a crash between send and mark counts twice). */
  deliveries: Map<string, number>
  refuse (): void
  accept (): void
  /** Off its port (connections refused) until start(). */
  stop (): Promise<void>
  start (): Promise<void>
}

const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]+>)/im

export async function chaosSmtp (): Promise<ChaosSmtp> {
  const deliveries = new Map<string, number>()
  let mode: SmtpMode = 'accepting'
  let server: SMTPServer | undefined
  let port = 0

  async function start () {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onMailFrom (_address, _session, callback) {
        if (mode === 'refusing') return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
        callback()
      },
      onData (stream, _session, callback) {
        let head = ''
        stream.on('data', (chunk: Buffer) => { if (head.length < 16_384) head += chunk.toString('utf8') })
        stream.on('end', () => {
          const id = MESSAGE_ID.exec(head)?.[1] ?? '(none)'
          deliveries.set(id, (deliveries.get(id) ?? 0) + 1)
          callback()
        })
      }
    })
    s.on('error', () => {})
    await new Promise<void>(resolve => s.listen(port, '127.0.0.1', () => resolve()))
    port = (s.server.address() as AddressInfo).port
    server = s
  }

  await start()
  return {
    get url () { return `smtp://127.0.0.1:${port}` },
    deliveries,
    refuse () { mode = 'refusing' },
    accept () { mode = 'accepting' },
    start,
    async stop () {
      const s = server
      server = undefined
      await new Promise<void>(resolve => s ? s.close(() => resolve()) : resolve())
    }
  }
}
