// WebSocket clients of GET /api/live for the bench (the `ws` package, as a browser tab would connect): each signs
// in by its session cookie, sends no Origin (allowed: only browsers send one, see src/live/routes.ts), and counts
// as open once the server said `ready` (its catch-up done).
import { WebSocket } from 'ws'
import { nowMs } from './stats.ts'

/** A parsed live message and when it arrived (nowMs), with the index of the socket it arrived on. */
export type OnMessage = (message: any, at: number, index: number) => void

export interface LiveClients {
  sockets: WebSocket[]
  /** Sockets still open. */
  open (): number
  close (): Promise<void>
}

function connect (url: string, cookie: string, index: number, onMessage: OnMessage): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/live', { headers: { cookie }, perMessageDeflate: false })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`live socket ${index}: no ready within 30 s`)) }, 30_000)
    ws.on('message', data => {
      const at = nowMs()
      const message = JSON.parse(String(data))
      if (message.type === 'ready') { clearTimeout(timer); resolve(ws) }
      onMessage(message, at, index)
    })
    ws.once('error', err => { clearTimeout(timer); reject(err) })
    ws.on('error', () => {}) // after the first: the close says it
  })
}

/** Opens one socket per cookie, `concurrency` upgrades at a time; resolves once every one is ready. */
export async function openLive (url: string, cookies: string[], onMessage: OnMessage, concurrency = 50): Promise<LiveClients> {
  const sockets: WebSocket[] = new Array(cookies.length)
  let next = 0
  const lane = async () => {
    while (next < cookies.length) {
      const i = next++
      sockets[i] = await connect(url, cookies[i], i, onMessage)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, cookies.length) }, lane))
  } catch (err) {
    for (const ws of sockets) ws?.terminate()
    throw err
  }
  return {
    sockets,
    open: () => sockets.filter(ws => ws.readyState === ws.OPEN).length,
    async close () {
      await Promise.all(sockets.map(ws => new Promise<void>(resolve => {
        if (ws.readyState === ws.CLOSED) return resolve()
        ws.once('close', () => resolve())
        ws.close()
        setTimeout(() => { ws.terminate(); resolve() }, 5000).unref()
      })))
    }
  }
}
