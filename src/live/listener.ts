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
  /** Other channels LISTENed on the same connection, each with what to do with a NOTIFY's payload. */
  channels?: Record<string, (payload: string | undefined) => void>
  /** Called each time an established LISTEN is lost (before the reconnection), and at stop. */
  onDown? (): void
}

export interface Listener {
  /** True while LISTENing. */
  readonly up: boolean
  /**
   * Resolves once every NOTIFY committed before this call has been handled (its channel's handler called); rejects
   * when not listening. A round trip on the LISTEN connection (a prepared SELECT 1): PostgreSQL sends a listener the notifications pending
   * for it before it answers a query (the NOTIFY's commit signals every listener before it returns), so the answer
   * comes after them. Calls made while one is in flight share the next round trip: one per round-trip time at most.
   */
  sync (): Promise<void>
  stop (): Promise<void>
}

/** The application_name of the LISTEN connection. */
export const LISTENER_NAME = 'hostly live listener'

/** One dedicated connection per API process LISTENing on the live channel; it reconnects, with backoff, for ever. */
export function startListener (opts: ListenerOptions): Listener {
  const { log } = opts
  const waker = new Waker()
  const backoff = new Backoff(200, 5000)
  let running = true
  let client: Connection | undefined
  let up = false
  let current: Promise<void> | undefined // sent, not yet answered
  let queued: Promise<void> | undefined // sent once current is answered, for the calls made after it was sent

  function send (): Promise<void> {
    const c = client
    if (!c || !up) return Promise.reject(new Error('live: not listening'))
    const p = c.query({ name: 'listen-barrier', text: 'SELECT 1' }).then(() => {})
    current = p
    p.catch(() => {}).finally(() => { if (current === p) current = undefined })
    return p
  }

  async function session (): Promise<void> {
    // Named, so that operators (and tests) tell it from the pool's connections in pg_stat_activity.
    const c = new Connection({ connectionString: opts.databaseUrl, application_name: LISTENER_NAME }) // an error is followed by 'end'
    client = c
    const ended = new Promise<void>(resolve => c.on('end', resolve))
    c.on('notification', msg => {
      if (msg.channel === LIVE_CHANNEL) opts.onSignal(parseSignal(msg.payload))
      else opts.channels?.[msg.channel]?.(msg.payload)
    })
    await c.connect()
    await c.query([LIVE_CHANNEL, ...Object.keys(opts.channels ?? {})].map(ch => `LISTEN ${ch}`).join('; '))
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
      if (up) opts.onDown?.()
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
    sync () {
      if (!current) return send()
      queued ??= current.catch(() => {}).then(() => { queued = undefined; return send() })
      return queued
    },
    async stop () {
      running = false
      opts.onDown?.()
      waker.wake()
      await client?.end().catch(() => {})
      await done
    }
  }
}
