// What people do during a chaos run: travelers request stays at a set rate across every API replica, owners
// accept or decline them, both parties cancel, and the rest are left to expire. Every answer is recorded. Each
// person keeps a live socket open, reconnecting with `?after=` when it drops, and every notification it receives
// is recorded, so the end can tell whether anyone missed one or got one twice.
import { WebSocket } from 'ws'
import type { Fixtures, User } from '../lib/fixtures.ts'

export interface Answer {
  /** ms since the run began. */
  at: number
  what: 'request' | 'accept' | 'decline' | 'withdraw' | 'cancel_stay'
  status: number
  ms: number
  retryAfter?: string | null
  /** A connection error or a timeout: no answer at all. */
  error?: string
  /** The answer was the proxy's, not Hostly's (not JSON): the replica holding the request died before answering. */
  fromProxy?: boolean
  bookingId?: number
}

/** A seeded pseudo-random source (mulberry32): the same seed, the same run. */
export function seeded (seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const DAY_MS = 86_400_000
const REQUEST_TIMEOUT_MS = 30_000

export class Load {
  readonly answers: Answer[] = []
  private readonly urls: () => string[]
  private readonly fixtures: Fixtures
  private readonly random: () => number
  private readonly began: number
  private readonly inFlight = new Set<Promise<void>>()
  private readonly owners = new Map<number, User>()
  private next = 0
  private stopped = false

  constructor (urls: () => string[], fixtures: Fixtures, random: () => number, began: number) {
    this.urls = urls
    this.fixtures = fixtures
    this.random = random
    this.began = began
    fixtures.properties.forEach((id, i) => this.owners.set(id, fixtures.owners[i % fixtures.owners.length]))
  }

  private pick<T> (list: T[]): T { return list[Math.floor(this.random() * list.length)] }

  private async call (what: Answer['what'], who: User, path: string, body?: unknown): Promise<Answer> {
    const started = Date.now()
    const url = this.pick(this.urls())
    const answer: Answer = { at: started - this.began, what, status: 0, ms: 0 }
    try {
      const r = await fetch(url + path, {
        method: 'POST',
        headers: { cookie: who.cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      })
      answer.status = r.status
      answer.retryAfter = r.headers.get('retry-after')
      const json = await r.json().catch(() => undefined) as { booking?: { id: number } } | undefined
      answer.bookingId = json?.booking?.id
      answer.fromProxy = json === undefined
    } catch (err) {
      answer.error = (err as Error).cause ? String(((err as Error).cause as Error).message) : (err as Error).message
    }
    answer.ms = Date.now() - started
    this.answers.push(answer)
    return answer
  }

  private later (ms: number, act: () => Promise<unknown>) {
    const p = new Promise<void>(resolve => setTimeout(resolve, ms)).then(act).then(() => {}, () => {})
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  /**
   * One request: a random traveler, a random property, one to three nights a little further ahead as the run goes
   * on, so that some requests overlap (accepting one cancels the others, or refuses later ones with 409). Then
   * what its parties do with it, after a moment: 45 % accepted (a tenth of those cancelled again by one party),
   * 15 % declined, 10 % withdrawn, 30 % left to expire.
   */
  private async request () {
    const i = this.next++
    const traveler = this.pick(this.fixtures.travelers)
    const property = this.pick(this.fixtures.properties)
    const owner = this.owners.get(property)!
    const start = 2 + Math.floor(i / 25) + Math.floor(this.random() * 8)
    const nights = 1 + Math.floor(this.random() * 3)
    const day = (n: number) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10)
    const created = await this.call('request', traveler, '/api/bookings', { property_id: property, start_date: day(start), end_date: day(start + nights), num_guests: 1 })
    const id = created.status === 201 ? created.bookingId : undefined
    if (id === undefined) return
    const fate = this.random()
    const after = 300 + this.random() * 2500
    if (fate < 0.45) {
      const cancelLater = this.random() < 0.1
      const byOwner = this.random() < 0.5
      this.later(after, async () => {
        const accepted = await this.call('accept', owner, `/api/bookings/${id}/accept`)
        if (accepted.status === 200 && cancelLater) {
          this.later(500 + this.random() * 2000, () => this.call('cancel_stay', byOwner ? owner : traveler, `/api/bookings/${id}/cancel`))
        }
      })
    } else if (fate < 0.60) {
      this.later(after, () => this.call('decline', owner, `/api/bookings/${id}/cancel`))
    } else if (fate < 0.70) {
      this.later(after, () => this.call('withdraw', traveler, `/api/bookings/${id}/cancel`))
    }
  }

  /** Requests at `perSecond` until `untilMs` (since the run began) or stop(). */
  async run (perSecond: number, untilMs: number) {
    const every = 1000 / perSecond
    const start = Date.now()
    let sent = 0
    while (!this.stopped && Date.now() - this.began < untilMs) {
      const p = this.request()
      this.inFlight.add(p)
      void p.finally(() => this.inFlight.delete(p))
      sent++
      const wait = start + sent * every - Date.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    }
  }

  /** Waits for every request and every answer its parties were going to give. */
  async settle () {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  stop () { this.stopped = true }
}

/**
 * One person's live socket. It connects to one API replica, then to the next whenever its socket drops (a replica
 * killed or frozen), resuming after the last notification it has. Duplicates are counted, not merged.
 */
export class LiveClient {
  readonly received = new Map<number, number>()
  /** Each socket's story, for the report of a missed notification: when it opened, from which id, how it closed. */
  readonly log: Array<{ at: number, what: string }> = []
  reconnects = 0
  private socket?: WebSocket
  private closed = false
  private turn: number
  private readonly urls: () => string[]
  readonly user: User

  constructor (user: User, urls: () => string[], turn: number) {
    this.user = user
    this.urls = urls
    this.turn = turn
  }

  /** The newest id received, 0 before the first: as the web app does, every connect says where to resume from. */
  private get lastId () { return this.received.size ? Math.max(...this.received.keys()) : 0 }

  /** Resolves once the first socket said `ready`. */
  open (): Promise<void> {
    return new Promise((resolve) => this.connect(resolve))
  }

  private connect (ready?: () => void) {
    if (this.closed) return
    const urls = this.urls()
    const base = urls[this.turn++ % urls.length].replace(/^http/, 'ws')
    const after = this.lastId
    const ws = new WebSocket(`${base}/api/live?after=${after}`, { headers: { cookie: this.user.cookie }, perMessageDeflate: false, handshakeTimeout: 5000 })
    this.socket = ws
    this.log.push({ at: Date.now(), what: `connect after=${after}` })
    // A frozen replica answers nothing: the socket is given up if no ping came for a while (the server pings).
    let quiet: NodeJS.Timeout | undefined
    const watch = () => { clearTimeout(quiet); quiet = setTimeout(() => ws.terminate(), 45_000) }
    ws.on('open', watch)
    ws.on('ping', watch)
    ws.on('message', data => {
      watch()
      const message = JSON.parse(String(data)) as { type: string, notification?: { id: number } }
      if (message.type === 'ready') { this.log.push({ at: Date.now(), what: 'ready' }); ready?.() }
      if (message.type === 'notification' && message.notification) {
        const id = message.notification.id
        this.received.set(id, (this.received.get(id) ?? 0) + 1)
      }
    })
    ws.on('error', () => {})
    ws.on('close', (code: number) => {
      this.log.push({ at: Date.now(), what: `closed ${code}` })
      clearTimeout(quiet)
      if (this.closed) return
      this.reconnects++
      setTimeout(() => this.connect(ready), 300)
    })
  }

  close () {
    this.closed = true
    this.socket?.terminate()
  }
}
