import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { Queryable } from '../db/pool.ts'
import type { NotificationRow, NotificationSource } from './rows.ts'

/** Close codes this server uses besides 1000/1001. */
export const CLOSE = { goingAway: 1001, policy: 1008, tryAgainLater: 1013, sessionEnded: 4401 } as const

const PAGE = 500
/** Notification ids a socket remembers having sent, to drop the second copy across a seam. */
const REMEMBER = 2000

type Message = { type: 'notification', notification: NotificationRow } | { type: 'booking', booking: object } | { type: 'ready', unread_count: number }
  | { type: 'row', kind: string, row: object }

/**
 * One open socket of a user. While it catches up from the table it holds live messages back (in order), then sends
 * them, skipping notifications it already sent: none missed, none twice across the seam.
 */
export class Connection {
  readonly userId: number
  readonly ws: WebSocket
  readonly tokenHash: Buffer
  private readonly maxBuffered: number
  private readonly log: Pick<FastifyBaseLogger, 'warn'>
  /** Highest notification id sent; a resync catches up from here. */
  lastId = 0
  /** Answered the last ping. */
  alive = true
  private syncing = 0
  private held: Array<Message & { id?: number }> = []
  private readonly seen = new Set<number>()

  constructor (userId: number, ws: WebSocket, tokenHash: Buffer, maxBuffered: number, log: Pick<FastifyBaseLogger, 'warn'>) {
    this.userId = userId
    this.ws = ws
    this.tokenHash = tokenHash
    this.maxBuffered = maxBuffered
    this.log = log
  }

  get open () { return this.ws.readyState === this.ws.OPEN }

  notification (row: NotificationRow) {
    if (this.syncing > 0) this.held.push({ type: 'notification', notification: row, id: row.id })
    else this.sendNotification(row)
  }

  booking (booking: object) {
    const message = { type: 'booking' as const, booking }
    if (this.syncing > 0) this.held.push(message)
    else this.send(message)
  }

  /** A row of another feature's kind (hub.ts: RowLoader), sent as { type: kind, [kind]: row }. */
  row (kind: string, row: object) {
    const message = { type: 'row' as const, kind, row }
    if (this.syncing > 0) this.held.push(message)
    else this.send(message)
  }

  /**
   * Sends every notification of the user after `after` (oldest first), then `ready` when asked, then what was held
   * meanwhile. The caller registered this socket with the hub first, so whatever commits during the catch-up query
   * is either in its result or held here (or both: sent once).
   */
  async catchUp (db: Queryable, notes: NotificationSource, after: number | undefined, ready: boolean) {
    this.syncing++
    try {
      // Where a later resync (the LISTEN connection back) starts: what the client said it has, or the newest now.
      this.lastId = Math.max(this.lastId, after ?? await notes.newestId(db, this.userId))
      for (let from = after; from !== undefined && this.open;) {
        const rows = await notes.after(db, this.userId, from, PAGE)
        for (const row of rows) this.sendNotification(row)
        from = rows.length === PAGE ? rows[rows.length - 1].id : undefined
      }
      if (ready && this.open) this.send({ type: 'ready', unread_count: await notes.unreadCount(db, this.userId) })
    } finally {
      this.syncing--
      if (this.syncing === 0) this.release()
    }
  }

  private release () {
    const held = this.held
    this.held = []
    for (const m of held) {
      if (m.type === 'notification') this.sendNotification(m.notification)
      else this.send(m)
    }
  }

  private sendNotification (row: NotificationRow) {
    if (this.seen.has(row.id)) return
    this.seen.add(row.id)
    if (this.seen.size > REMEMBER) this.seen.delete(this.seen.values().next().value!)
    this.lastId = Math.max(this.lastId, row.id)
    const { user_id: _, ...notification } = row
    this.send({ type: 'notification', notification: notification as NotificationRow })
  }

  /** Sends, unless the reader is so far behind that more than maxBuffered bytes wait: then it is closed (1013). */
  send (message: Message) {
    if (!this.open) return
    this.ws.send(JSON.stringify(message.type === 'row' ? { type: message.kind, [message.kind]: message.row } : message))
    if (this.ws.bufferedAmount > this.maxBuffered) {
      // Said once per socket (send() returns early once it is closing): an operator sees who was cut off, and why.
      this.log.warn({ userId: this.userId, bufferedBytes: this.ws.bufferedAmount }, 'live: reader too slow, socket closed (1013)')
      this.close(CLOSE.tryAgainLater, 'Reading too slowly')
    }
  }

  /** Closes with the code; a peer that does not complete the closing handshake within 2 s is cut off. */
  close (code: number, reason: string) {
    if (this.ws.readyState === this.ws.CLOSED) return
    if (this.ws.readyState !== this.ws.CLOSING) this.ws.close(code, reason)
    setTimeout(() => this.ws.terminate(), 2000).unref()
  }
}
