// (a) Booking creation: POST /api/bookings from many signed-in travelers at a fixed number of connections,
// closed loop, after a warm-up at the same concurrency. Also (g): the serving process's memory during it.
import type pg from 'pg'
import { closedLoop, type LoadResult } from '../lib/load.ts'
import type { Stays } from '../lib/fixtures.ts'
import { statusMb, type Monitor } from '../lib/monitor.ts'
import { bookingRequest, until, type Server } from '../lib/servers.ts'
import { nowMs } from '../lib/stats.ts'

export interface Target {
  name: string
  server: Server
  stays: Stays
  db: pg.Pool
}

export interface CreationRun extends LoadResult {
  /** % of one core per process during the measured window. */
  cpu: Record<string, number>
  /** Highest VmRSS of the HTTP process sampled during the window, and its VmHWM (peak since start) after it. */
  rss_max_mb: number
  rss_hwm_mb: number
  /** How long the asynchronous side (relay, consumers) took after the window to catch up with it. */
  backlog_drain_s: number
}

/** How many bookings there are, and how many have their owner's notification. */
async function notified (db: pg.Pool): Promise<{ bookings: number, notified: number }> {
  const { rows: [r] } = await db.query(
    'SELECT (SELECT count(*) FROM bookings) AS bookings, (SELECT count(*) FROM notifications WHERE type = \'booking_requested\') AS notified')
  return { bookings: Number(r.bookings), notified: Number(r.notified) }
}

/** Every booking has its owner's notification: the system has caught up. */
export async function caughtUp (db: pg.Pool): Promise<boolean> {
  const n = await notified(db)
  return n.bookings === n.notified
}

export async function settle (target: Target, timeoutS: number): Promise<number> {
  const started = nowMs()
  try {
    await until(`${target.name} to notify every booking`, () => caughtUp(target.db), timeoutS * 1000, 100)
  } catch (err) {
    // How far behind, and what each process last logged (warnings and errors: the bench runs them at warn), so that a
    // failure seen only in a test's output tells a stuck consumer from a slow one.
    const r = await notified(target.db).catch(() => ({ bookings: '?', notified: '?' })) // the database gone too: the wait's error still stands
    const tails = await Promise.all(target.server.processes.map(async p => `── ${p.name}:\n${await p.tail(12)}`))
    throw new Error(`${(err as Error).message}: ${r.notified} of ${r.bookings} bookings notified\n${tails.join('\n')}`)
  }
  return (nowMs() - started) / 1000
}

export async function measureCreation (target: Target, connections: number, opts: { seconds: number, warmupS: number, settleS: number, monitor: Monitor }): Promise<CreationRun> {
  const run = (seconds: number) => closedLoop({
    url: target.server.url, connections, seconds, expect: 201, next: () => bookingRequest(target.stays.take())
  })
  await run(opts.warmupS)
  await settle(target, opts.settleS)
  const window = opts.monitor.window(`creation ${target.name} c${connections}`)
  const load = await run(opts.seconds)
  const usage = window.stop()
  const http = target.server.processes[0]
  const rssHwm = statusMb(http.pid, 'VmHWM') ?? NaN
  const drain = await settle(target, opts.settleS)
  if (load.failed > 0) console.error(`bench: ${target.name} at ${connections} connections: ${load.failed} failed requests ${JSON.stringify(load.statuses)}`)
  return { ...load, cpu: usage.cpu, rss_max_mb: usage.rssMaxMb[http.name] ?? NaN, rss_hwm_mb: rssHwm, backlog_drain_s: drain }
}
