import { WebSocket } from 'ws'
import { ClientFrom, type Client } from './http.ts'
import { waitFor } from './wait.ts'

export interface LiveSocket {
  ws: WebSocket
  /** Every message received, parsed, in order. */
  messages: any[]
  notifications (): any[]
  closed: Promise<{ code: number, reason: string }>
  /** Waits for a message matching the predicate (among all received so far), and returns it. */
  next (what: string, pred: (m: any) => boolean, timeoutMs?: number): Promise<any>
  close (): Promise<void>
}

const wsUrl = (base: string, query: string) => base.replace(/^http/, 'ws') + '/api/live' + query

/** Opens /api/live as the client (its session cookie, its address if it has one), resolving once the socket is open. */
export async function openLive (base: string, client: Client, query = '', headers: Record<string, string> = {}): Promise<LiveSocket> {
  const ws = new WebSocket(wsUrl(base, query), {
    headers: { ...(client.cookie && { cookie: client.cookie }), ...headers },
    ...(client instanceof ClientFrom && { localAddress: client.localAddress })
  })
  const messages: any[] = []
  ws.on('message', data => messages.push(JSON.parse(String(data))))
  const closed = new Promise<{ code: number, reason: string }>(resolve => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    closed,
    notifications: () => messages.filter(m => m.type === 'notification').map(m => m.notification),
    next: (what, pred, timeoutMs = 10_000) => waitFor(what, () => messages.find(pred), timeoutMs, 20),
    async close () {
      if (ws.readyState !== ws.CLOSED) {
        ws.close()
        await closed
      }
    }
  }
}

/** The HTTP status of a refused upgrade (or 101 if it was accepted). */
export async function upgradeStatus (base: string, client: Client | undefined, headers: Record<string, string> = {}, query = ''): Promise<number> {
  const ws = new WebSocket(wsUrl(base, query), { headers: { ...(client?.cookie && { cookie: client.cookie }), ...headers } })
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume(); ws.terminate() })
    ws.once('open', () => { resolve(101); ws.close() })
    ws.once('error', err => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
}

/**
 * A tab's live feed kept open: when the socket drops it opens another, resuming with ?after=<the newest id it has>,
 * as the web app does. Every notification id received is counted, so a test can tell missed from doubled.
 */
export function followLive (base: string, client: Client) {
  const received = new Map<number, number>()
  let socket: WebSocket | undefined
  let stopped = false
  const connect = () => {
    if (stopped) return
    const after = received.size ? `?after=${Math.max(...received.keys())}` : ''
    const ws = new WebSocket(wsUrl(base, after), { headers: { cookie: client.cookie } })
    socket = ws
    ws.on('message', data => {
      const m = JSON.parse(String(data))
      if (m.type === 'notification') received.set(m.notification.id, (received.get(m.notification.id) ?? 0) + 1)
    })
    ws.on('error', () => {})
    ws.on('close', () => { if (!stopped) setTimeout(connect, 200) })
  }
  connect()
  return {
    received,
    close () { stopped = true; socket?.terminate() }
  }
}
