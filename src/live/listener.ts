import { Connection } from '../db/pool.ts'
import type { Logger } from 'pino'
import { Backoff, Waker } from '../timing.ts'
import { LIVE_CHANNEL, parseSignal, type LiveSignal } from './signal.ts'

export interface ListenerOptions {
  databaseUrl: string
  log: Logger
  onSignal (signal: LiveSignal): void
  /**
   * Called each time the LISTEN is established, the first time included. NOTIFYs sent while it was not are gone: the
   * sockets catch up from the table (the hub's resync).
   */
  onListening (): void
}

export interface Listener {
  /** True while LISTENing. */
  readonly up: boolean
  stop (): Promise<void>
}

/** One dedicated connection per API process LISTENing on the live channel; it reconnects, with backoff, for ever. */
export function startListener (opts: ListenerOptions): Listener {
  const { log } = opts
  const waker = new Waker()
  const backoff = new Backoff(200, 5000)
  let running = true
  let client: Connection | undefined
  let up = false

  async function session (): Promise<void> {
    const c = new Connection({ connectionString: opts.databaseUrl }) // an error is followed by 'end'
    client = c
    const ended = new Promise<void>(resolve => c.on('end', resolve))
    c.on('notification', msg => { if (msg.channel === LIVE_CHANNEL) opts.onSignal(parseSignal(msg.payload)) })
    await c.connect()
    await c.query(`LISTEN ${LIVE_CHANNEL}`)
    up = true
    backoff.reset()
    log.info('live: listening for notifications')
    opts.onListening()
    await ended
  }

  const done = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the flag is set by stop(), from another call, while this loop awaits
    while (running) {
      try {
        await session()
      } catch (err) {
        if (running) log.warn({ err: (err as Error).message }, 'live: LISTEN connection failed')
      }
      up = false
      await client?.end().catch(() => {})
      client = undefined
      if (!running) break
      const delay = backoff.next()
      log.warn({ retryInMs: delay }, 'live: LISTEN connection lost, reconnecting')
      await waker.sleep(delay)
    }
  })()

  return {
    get up () { return up },
    async stop () {
      running = false
      waker.wake()
      await client?.end().catch(() => {})
      await done
    }
  }
}
