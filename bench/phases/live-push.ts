// Live push (GET /api/live), two figures:
//   endToEnd: the 201 of POST /api/bookings received → the owner's socket receives the booking_requested
//     notification, per booking, at a fixed rate (open loop). One process and one clock (the bench's) at both ends.
//   manySockets: N sockets of N users open on the one API process: its RSS before and after (memory per connection),
//     then pushes to those users, each a notification committed by the bench the way a consumer commits it (insert
//     and pg_notify in one transaction): COMMIT sent → received on the user's socket.
import { setTimeout as sleep } from 'node:timers/promises'
import { openSession, SESSION_COOKIE } from '../../src/auth/sessions.ts'
import { LIVE_CHANNEL, parseSignal, signalLive } from '../../src/live/signal.ts'
import type { Fixtures } from '../lib/fixtures.ts'
import { openLive } from '../lib/live-clients.ts'
import { paced, type PacedResult } from '../lib/load.ts'
import { statusMb, type Monitor } from '../lib/monitor.ts'
import { bookingRequest, until } from '../lib/servers.ts'
import { nowMs, summarize, type Summary } from '../lib/stats.ts'
import { settle, type Target } from './booking-creation.ts'

export interface LiveEndToEnd {
  rate: number
  requests: PacedResult
  /** 201 received → notification received on the owner's socket. */
  latency_ms: Summary
  /** Bookings whose notification no socket received within 10 s of the system catching up. */
  missing: number
  /**
   * Where the time goes, each from the same 201 (the database's clock and the bench's are the machine's one clock):
   * the relay marking the event published (after Kafka acknowledged it), the owner worker's transaction beginning
   * (its processed_events record), its commit (its NOTIFY heard on a LISTEN connection of the bench's), and the
   * socket. A stage whose tail is the socket's tail is where the tail comes from.
   */
  stages_ms: { published: Summary, processing: Summary, committed: Summary, socket: Summary }
  cpu: Record<string, number>
}

export async function liveEndToEnd (target: Target, fixtures: Fixtures, opts: {
  rate: number, seconds: number, maxInFlight: number, settleS: number, monitor: Monitor, log: (line: string) => void
}): Promise<LiveEndToEnd> {
  await settle(target, opts.settleS)
  const pushed = new Map<number, number>() // booking id -> received on the owner's socket
  const answered = new Map<number, number>() // booking id -> 201 received
  const heard = new Map<number, number>() // notification id -> its NOTIFY heard here
  const listener = await target.db.connect()
  listener.on('notification', msg => {
    const at = nowMs()
    for (const [id] of parseSignal(msg.payload).notifications ?? []) heard.set(id, at)
  })
  await listener.query(`LISTEN ${LIVE_CHANNEL}`)
  const clients = await openLive(target.server.url, fixtures.owners.map(o => o.cookie), (m, at) => {
    if (m.type === 'notification' && m.notification.type === 'booking_requested') pushed.set(m.notification.booking_id, at)
  })
  const window = opts.monitor.window(`live end to end ${opts.rate}/s`)
  const requests = await paced({
    url: target.server.url,
    rate: opts.rate,
    seconds: opts.seconds,
    maxInFlight: opts.maxInFlight,
    expect: 201,
    next: () => bookingRequest(target.stays.take()),
    onOk: (body, at) => answered.set(JSON.parse(body).booking.id, at)
  })
  const usage = window.stop()
  await settle(target, opts.settleS)
  const all = () => [...answered.keys()].every(id => pushed.has(id))
  await until('every booking pushed to its owner', async () => all(), 10_000).catch(() => {})
  await clients.close()
  await listener.query(`UNLISTEN ${LIVE_CHANNEL}`)
  listener.release()
  const latencies = [...answered].filter(([id]) => pushed.has(id)).map(([id, at]) => pushed.get(id)! - at)
  const stages = await stagesOf(target, answered, pushed, heard)
  const run = { rate: opts.rate, requests, latency_ms: summarize(latencies), missing: answered.size - latencies.length, stages_ms: stages, cpu: usage.cpu }
  opts.log(`live end to end at ${opts.rate}/s (achieved ${requests.achievedRate.toFixed(0)}/s): p50 ${run.latency_ms.p50.toFixed(1)} ms, p99 ${run.latency_ms.p99.toFixed(1)} ms, ${run.missing} missing`)
  for (const [stage, s] of Object.entries(stages)) opts.log(`  201 → ${stage}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`)
  return run
}

/** The per-stage times of LiveEndToEnd.stages_ms, read from the rows the booking's event left behind. */
async function stagesOf (target: Target, answered: Map<number, number>, pushed: Map<number, number>, heard: Map<number, number>):
Promise<LiveEndToEnd['stages_ms']> {
  const { rows } = await target.db.query<{ id: string, booking_id: string, published: number, processing: number }>(
    `SELECT n.id, n.booking_id, extract(epoch FROM o.published_at) * 1000 AS published, extract(epoch FROM p.processed_at) * 1000 AS processing
       FROM notifications n
       JOIN outbox o ON o.event_id = n.event_id
       JOIN processed_events p ON p.event_id = n.event_id AND p.consumer_group = 'owner-service-group'
      WHERE n.type = 'booking_requested' AND n.booking_id = ANY($1::bigint[])`, [[...answered.keys()]])
  const since = (id: number, at: number) => at - answered.get(id)!
  const measured = rows.map(r => ({ id: Number(r.booking_id), published: Number(r.published), processing: Number(r.processing), committed: heard.get(Number(r.id)) }))
    .filter(r => pushed.has(r.id) && r.committed !== undefined)
  return {
    published: summarize(measured.map(r => since(r.id, r.published))),
    processing: summarize(measured.map(r => since(r.id, r.processing))),
    committed: summarize(measured.map(r => since(r.id, r.committed!))),
    socket: summarize(measured.map(r => since(r.id, pushed.get(r.id)!)))
  }
}

/**
 * What the bench's own pushes say. They are booking_cancelled notifications of a booking made earlier, so the
 * checks that count booking_requested ones (booking-creation.ts caughtUp) and e-mails (live-creation.ts) skip them.
 */
export const BENCH_PUSH = { type: 'booking_cancelled', message: 'A bench push' }

export interface ManySockets {
  sockets: number
  open_s: number
  rss_before_mb: number
  rss_after_mb: number
  rss_per_connection_kb: number
  /** Sockets still open after the pushes. */
  still_open: number
  pushes: number
  /** COMMIT sent → received on the recipient's socket. */
  push_ms: Summary
  missing: number
  cpu: Record<string, number>
}

export async function manySockets (target: Target, opts: {
  sockets: number, pushes: number, pushRate: number, settleMemoryMs: number, monitor: Monitor, log: (line: string) => void
}): Promise<ManySockets> {
  const { db } = target
  const { rows: users } = await db.query(
    `INSERT INTO users (name, email, password_hash, role)
     SELECT 'listener ' || i, 'listener-' || i || '-' || $2 || '@bench.example', '!', 'traveler' FROM generate_series(1, $1) AS i RETURNING id`,
    [opts.sockets, Date.now()])
  const cookies = await Promise.all(users.map(async u => `${SESSION_COOKIE}=${await openSession(db, u.id, 24)}`))
  const { rows: [{ id: bookingId }] } = await db.query('SELECT min(id) AS id FROM bookings')
  const api = target.server.processes[0]
  await sleep(1000)
  const before = statusMb(api.pid, 'VmRSS') ?? NaN

  const received = new Map<number, number>() // notification id -> received
  const t0 = nowMs()
  const clients = await openLive(target.server.url, cookies, (m, at) => {
    if (m.type === 'notification') received.set(m.notification.id, at)
  }, 100)
  const openS = (nowMs() - t0) / 1000
  await sleep(opts.settleMemoryMs) // the API's allocations of the upgrades settle (a GC or two)
  const after = statusMb(api.pid, 'VmRSS') ?? NaN
  opts.log(`${opts.sockets} live sockets open in ${openS.toFixed(1)} s; API RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`)

  const window = opts.monitor.window(`live push, ${opts.sockets} sockets open`)
  const committed = new Map<number, number>() // notification id -> COMMIT sent
  const client = await db.connect()
  try {
    const started = nowMs()
    for (let i = 0; i < opts.pushes; i++) {
      const wait = started + i * 1000 / opts.pushRate - nowMs()
      if (wait > 0) await sleep(wait)
      const userId = users[(i * 7919) % users.length].id // spread over the users
      await client.query('BEGIN')
      const { rows: [{ id }] } = await client.query(
        `INSERT INTO notifications (user_id, type, booking_id, event_id, message)
         VALUES ($1, $3, $2, gen_random_uuid(), $4) RETURNING id`, [userId, bookingId, BENCH_PUSH.type, BENCH_PUSH.message])
      await signalLive(client, { notifications: [[Number(id), userId]] })
      committed.set(Number(id), nowMs())
      await client.query('COMMIT')
    }
  } finally {
    client.release()
  }
  await until('every push received', async () => [...committed.keys()].every(id => received.has(id)), 10_000).catch(() => {})
  const usage = window.stop()
  const stillOpen = clients.open()
  await clients.close()
  const latencies = [...committed].filter(([id]) => received.has(id)).map(([id, at]) => received.get(id)! - at)
  const run = {
    sockets: opts.sockets,
    open_s: openS,
    rss_before_mb: before,
    rss_after_mb: after,
    rss_per_connection_kb: (after - before) * 1024 / opts.sockets,
    still_open: stillOpen,
    pushes: committed.size,
    push_ms: summarize(latencies),
    missing: committed.size - latencies.length,
    cpu: usage.cpu
  }
  opts.log(`push with ${opts.sockets} sockets open: p50 ${run.push_ms.p50.toFixed(1)} ms, p99 ${run.push_ms.p99.toFixed(1)} ms, ${run.missing} missing; ${run.rss_per_connection_kb.toFixed(1)} KiB per socket`)
  return run
}
