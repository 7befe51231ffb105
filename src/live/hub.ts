import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Queryable } from '../db/pool.ts'
import { CLOSE, type Connection } from './connection.ts'
import { bookingsById, liveSessions, type NotificationSource } from './rows.ts'
import type { LiveSignal } from './signal.ts'
import { contextOf, endSpan, SpanKind, startSpan } from '../tracing/spans.ts'

const RETRY_FIRST_MS = 200
const RETRY_MAX_MS = 5000
const isRetryable = (err: unknown) => (err as { canRetry?: boolean }).canRetry === true

/**
 * Loads the rows of one kind announced by id for their recipients (LiveSignal's rows): each comes back with the user
 * it is for, and goes to that user's sockets as { type: kind, [kind]: row }.
 */
export type RowLoader = (db: Queryable, pairs: Array<[id: number, recipient: number]>) => Promise<Array<{ user_id: number, row: object }>>

export interface HubOptions {
  db: Queryable
  /** The notifications' queries (the notifications feature's). */
  notifications: NotificationSource
  /** The loaders of the kinds of row other features announce, by kind. */
  loaders?: Record<string, RowLoader>
  log: Logger
  pingMs: number
  sessionCheckMs: number
}

/** A notification's push to its recipient's sockets here, in the trace of the event that made it (tracing on). */
function pushSpan (id: number, userId: number, sockets: number, traceparent: string | undefined) {
  if (!traceparent) return undefined
  return startSpan('live push', {
    kind: SpanKind.PRODUCER,
    parent: contextOf(traceparent),
    attributes: { 'hostly.notification.id': id, 'hostly.user.id': userId, 'hostly.live.sockets': sockets }
  })
}

/**
 * The open sockets of this API process, by user. Signals from the listener name rows by id: the hub keeps those for
 * users connected here, loads them in one query per turn (turns run one after another, so messages keep their
 * order) and hands them to the users' sockets. It also pings, and closes sockets whose session has ended.
 */
export class Hub {
  private readonly opts: HubOptions
  private readonly users = new Map<number, Set<Connection>>()
  private wanted = { n: new Set<number>(), b: new Set<number>(), r: new Map<string, Array<[number, number]>>() }
  /** The traceparents of wanted notifications, when their consumer traced them. */
  private traces = new Map<number, string>()
  private turn: Promise<void> = Promise.resolve()
  private scheduled = false
  private readonly timers: NodeJS.Timeout[]
  /** Set by close(): turns and catch-ups waiting to try again give up. */
  private closed = false
  private readonly stopping = new AbortController()

  constructor (opts: HubOptions) {
    this.opts = opts
    this.timers = [
      setInterval(() => this.ping(), opts.pingMs),
      setInterval(() => { this.checkSessions().catch(err => opts.log.warn({ err: err.message }, 'live: session check failed')) }, opts.sessionCheckMs)
    ]
  }

  count (userId: number) { return this.users.get(userId)?.size ?? 0 }

  /** Open sockets of every user on this process (hostly_live_sockets). */
  get size () { let n = 0; for (const set of this.users.values()) n += set.size; return n }

  add (conn: Connection) {
    let set = this.users.get(conn.userId)
    if (!set) this.users.set(conn.userId, set = new Set())
    set.add(conn)
    conn.ws.on('pong', () => { conn.alive = true })
    conn.ws.on('close', () => {
      set.delete(conn)
      if (set.size === 0 && this.users.get(conn.userId) === set) this.users.delete(conn.userId)
    })
  }

  signal (s: LiveSignal) {
    for (const [id, user] of s.notifications ?? []) {
      if (!this.users.has(user)) continue
      this.wanted.n.add(id)
      if (s.traces?.[id]) this.traces.set(id, s.traces[id])
    }
    for (const [id, ...parties] of s.bookings ?? []) if (parties.some(u => this.users.has(u))) this.wanted.b.add(id)
    for (const [kind, pairs] of Object.entries(s.rows ?? {})) {
      const here = pairs.filter(([, user]) => this.users.has(user))
      if (here.length > 0 && this.opts.loaders?.[kind]) this.wanted.r.set(kind, [...(this.wanted.r.get(kind) ?? []), ...here])
    }
    if (this.scheduled || (this.wanted.n.size === 0 && this.wanted.b.size === 0 && this.wanted.r.size === 0)) return
    this.scheduled = true
    this.turn = this.turn.then(() => this.deliver()).catch(err => this.opts.log.warn({ err: err.message }, 'live: delivery failed'))
  }

  /** After the LISTEN connection came back: NOTIFYs of the gap are lost, so each socket catches up from its last id. */
  resync () {
    for (const set of this.users.values()) {
      for (const conn of set) this.catchUpFrom(conn, conn.lastId)
    }
  }

  /**
   * Catches the socket up from `from`, again and again while the database cannot answer (a resync during a database
   * fault): from the same id each time, since live messages sent meanwhile may have moved its last id past the gap.
   */
  private catchUpFrom (conn: Connection, from: number, delay = RETRY_FIRST_MS) {
    conn.catchUp(this.opts.db, this.opts.notifications, from, false).catch(err => {
      if (!conn.open || this.closed || !isRetryable(err)) return
      this.opts.log.warn({ err: err.message, retryInMs: delay }, 'live: catching a socket up failed, trying again')
      setTimeout(() => this.catchUpFrom(conn, from, Math.min(delay * 2, RETRY_MAX_MS)), delay).unref()
    })
  }

  /**
   * One turn: loads the rows the signals named and hands them out. A turn that cannot load them (the database away)
   * is tried again until it can, and later turns wait behind it: nothing is dropped, and the order holds.
   */
  private async deliver () {
    this.scheduled = false
    const { n, b, r } = this.wanted
    this.wanted = { n: new Set(), b: new Set(), r: new Map() }
    const traces = this.traces
    this.traces = new Map()
    const load = () => Promise.all([
      n.size ? this.opts.notifications.byId(this.opts.db, [...n]) : [],
      b.size ? bookingsById(this.opts.db, [...b]) : [],
      Promise.all([...r].map(async ([kind, pairs]) => ({ kind, rows: await this.opts.loaders![kind](this.opts.db, pairs) })))
    ])
    let loaded: Awaited<ReturnType<typeof load>> | undefined
    for (let delay = RETRY_FIRST_MS; !loaded; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        loaded = await load()
      } catch (err) {
        if (this.closed || !isRetryable(err)) throw err
        this.opts.log.warn({ err: (err as Error).message, retryInMs: delay }, 'live: loading rows to push failed, trying again')
        await sleep(delay, undefined, { signal: this.stopping.signal })
      }
    }
    const [notes, bookings, others] = loaded
    for (const row of notes) {
      const conns = this.users.get(row.user_id) ?? new Set()
      const span = pushSpan(row.id, row.user_id, conns.size, traces.get(row.id))
      for (const conn of conns) conn.notification(row)
      endSpan(span)
    }
    for (const { owner_id: ownerId, ...booking } of bookings) {
      for (const user of new Set([booking.traveler_id, ownerId])) {
        for (const conn of this.users.get(user) ?? []) conn.booking(booking)
      }
    }
    for (const { kind, rows } of others) {
      for (const { user_id: user, row } of rows) for (const conn of this.users.get(user) ?? []) conn.row(kind, row)
    }
  }

  /** A socket that did not answer the previous ping is gone: terminated. */
  private ping () {
    for (const set of this.users.values()) {
      for (const conn of set) {
        if (!conn.alive) { conn.ws.terminate(); continue }
        conn.alive = false
        conn.ws.ping()
      }
    }
  }

  /** Logged out or expired: one query for every socket here, every sessionCheckMs. */
  private async checkSessions () {
    const conns = [...this.users.values()].flatMap(set => [...set])
    if (conns.length === 0) return
    const hashes = new Map(conns.map(c => [c.tokenHash.toString('hex'), c.tokenHash]))
    const valid = await liveSessions(this.opts.db, [...hashes.values()])
    for (const conn of conns) {
      if (!valid.has(conn.tokenHash.toString('hex'))) conn.close(CLOSE.sessionEnded, 'Session ended')
    }
  }

  /** Shutdown: every socket closed with 1001 (going away); resolves once they are closed, or after 2 s. */
  async close () {
    this.closed = true
    this.stopping.abort()
    for (const t of this.timers) clearInterval(t)
    const conns = [...this.users.values()].flatMap(set => [...set])
    await Promise.all(conns.map(conn => new Promise<void>(resolve => {
      if (conn.ws.readyState === conn.ws.CLOSED) return resolve()
      conn.ws.once('close', () => resolve())
      conn.close(CLOSE.goingAway, 'Server shutting down')
    })))
    await this.turn
  }
}
