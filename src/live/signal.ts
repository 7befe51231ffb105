import type { Queryable } from '../db/pool.ts'

/**
 * The one channel of live push. A consumer's transaction NOTIFYs on it what it wrote, by id; PostgreSQL delivers a
 * NOTIFY when (and only if) the transaction commits, to every API process LISTENing, which loads the rows by id
 * and sends them to the recipients' sockets. So a push never announces a row that is not there.
 */
export const LIVE_CHANNEL = 'hostly_live'

/**
 * What a NOTIFY on LIVE_CHANNEL announces: [notification id, recipient] pairs, [booking id, ...its parties], and
 * rows of other kinds by kind (a feature's: conversations' 'message'), [row id, recipient] pairs, which the hub
 * loads with the loader its API process was given for that kind.
 */
export interface LiveSignal {
  notifications?: Array<[number, number]>
  bookings?: Array<[number, ...number[]]>
  /** Tracing on: the traceparent of the event that made a notification, by notification id (its push is traced under it). */
  traces?: Record<number, string>
  rows?: Record<string, Array<[number, number]>>
}

/**
 * The payload on the wire: `{"n": [...], "b": [...]}`. The short keys stay: consumers and API replicas of two
 * releases exchange it during a rolling deploy, and they keep each NOTIFY small (PostgreSQL's limit is 8000 bytes).
 */
interface Wire { n?: LiveSignal['notifications'], b?: LiveSignal['bookings'], t?: LiveSignal['traces'], r?: LiveSignal['rows'] }

/** Entries per NOTIFY: ids of up to 16 digits keep a payload well under PostgreSQL's 8000 bytes. */
export const CHUNK = 100
/** With traceparents (55 characters each, tracing on), fewer. */
const TRACED_CHUNK = 40

const W3C_TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * Announces, inside the caller's transaction, notifications written (id, recipient) and bookings changed (id,
 * traveler and owner). One round trip, one NOTIFY per CHUNK entries. A NOTIFY inside a transaction takes a
 * cluster-wide lock at commit: consumers commit a batch at a time, so it costs one lock per batch, never one on
 * the booking path (which wakes the relay after commit instead).
 */
export async function signalLive (tx: Queryable, signal: LiveSignal): Promise<void> {
  const payloads: string[] = []
  const n = signal.notifications ?? []
  const b = signal.bookings ?? []
  const t = signal.traces
  const chunk = t ? TRACED_CHUNK : CHUNK
  for (let i = 0; i < Math.max(n.length, b.length); i += chunk) {
    const part: Wire = {}
    if (i < n.length) part.n = n.slice(i, i + chunk)
    if (i < b.length) part.b = b.slice(i, i + chunk)
    if (t && part.n) part.t = Object.fromEntries(part.n.filter(([id]) => t[id]).map(([id]) => [id, t[id]]))
    payloads.push(JSON.stringify(part))
  }
  for (const [kind, pairs] of Object.entries(signal.rows ?? {})) {
    for (let i = 0; i < pairs.length; i += CHUNK) payloads.push(JSON.stringify({ r: { [kind]: pairs.slice(i, i + CHUNK) } }))
  }
  if (payloads.length === 0) return
  await tx.query({
    name: 'signal-live',
    text: `SELECT pg_notify('${LIVE_CHANNEL}', p) FROM unnest($1::text[]) p`,
    values: [payloads]
  })
}

/** Reads a NOTIFY payload; anything malformed is nothing. */
export function parseSignal (payload: string | undefined): LiveSignal {
  try {
    const s = JSON.parse(payload ?? '') as Wire | null
    const pairs = (v: unknown) => Array.isArray(v) && v.every(e => Array.isArray(e) && e.every(Number.isInteger))
    const traces = s?.t && typeof s.t === 'object' && Object.values(s.t).every(v => typeof v === 'string' && W3C_TRACEPARENT.test(v)) ? s.t : undefined
    const rows = typeof s?.r === 'object' && s.r !== null
      ? Object.fromEntries(Object.entries(s.r).filter(([kind, v]) => /^[a-z_]{1,40}$/.test(kind) && pairs(v)))
      : undefined
    return { notifications: pairs(s?.n) ? s?.n : undefined, bookings: pairs(s?.b) ? s?.b : undefined, traces, rows }
  } catch {
    return {}
  }
}
