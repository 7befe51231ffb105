// (b) End-to-end latency: from the 201 of POST /api/bookings (the moment the bench receives it) to the
// owner's notification, per booking, at fixed request rates (open loop).
//
// What is measured, on one machine and one clock (CLOCK_REALTIME):
//   e2e = notifications.created_at − 201 received.
// created_at is now() of the consumer's transaction (its start, PostgreSQL's clock); the row is visible from
// that transaction's commit, a little later. So e2e is a lower bound of "the owner can see it". An upper
// bound comes with it: a poller reads new notification rows every POLL_MS and notes when it first sees each
// one (the bench's clock); the truth lies between the two. The bench's clock is read from
// performance.timeOrigin + performance.now() and aligned to PostgreSQL's clock_timestamp() at the start of
// each rate (offset error ±RTT/2, reported).
import type pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { paced, type PacedResult } from '../lib/load.ts'
import type { Monitor } from '../lib/monitor.ts'
import { bookingRequest } from '../lib/servers.ts'
import { nowMs, summarize, type Summary } from '../lib/stats.ts'
import { settle, type Target } from './booking-creation.ts'

const POLL_MS = 10

export interface RateRun {
  rate: number
  requests: PacedResult
  /** 201 received → notification's created_at (lower bound). */
  e2e_ms: Summary
  /** 201 received → first seen by the poller (upper bound). */
  visible_ms: Summary
  /** Bookings whose notification the poller did not see (compared on e2e_ms only). */
  unseen_by_poller: number
  clock_offset_error_ms: number
  backlog_drain_s: number
  cpu: Record<string, number>
}

/** PostgreSQL's clock minus the bench's, from the quickest of a few round trips; error ±RTT/2. */
async function clockOffset (db: pg.Pool): Promise<{ offset: number, error: number }> {
  let best = { offset: 0, error: Infinity }
  for (let i = 0; i < 20; i++) {
    const before = nowMs()
    const { rows: [r] } = await db.query('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t')
    const after = nowMs()
    if ((after - before) / 2 < best.error) best = { offset: Number(r.t) - (before + after) / 2, error: (after - before) / 2 }
  }
  return best
}

/**
 * Reads notification rows as they appear, by id. Ids are handed out at insert and become visible at
 * commit, not always in id order, so the floor (every id at or below it seen) moves only over seen ids,
 * or past a gap that stays open for 5 s (an id whose insert rolled back).
 */
function pollNotifications (db: pg.Pool, fromId: number) {
  const firstSeen = new Map<number, number>() // booking id -> when first seen
  const seenIds = new Set<number>()
  let floor = fromId
  let gapSince: number | undefined
  let running = true
  const done = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the flag is set by stop(), from another call, while this loop awaits
    while (running) {
      const { rows } = await db.query('SELECT id, booking_id, type FROM notifications WHERE id > $1 ORDER BY id LIMIT 5000', [floor])
      const at = nowMs()
      for (const r of rows) {
        seenIds.add(r.id)
        if (r.type === 'booking_requested' && !firstSeen.has(r.booking_id)) firstSeen.set(r.booking_id, at)
      }
      while (seenIds.delete(floor + 1)) floor++
      if (seenIds.size === 0) gapSince = undefined
      else if (gapSince === undefined) gapSince = at
      else if (at - gapSince > 5000) { floor++; gapSince = undefined }
      await sleep(POLL_MS)
    }
  })()
  return { firstSeen, async stop () { running = false; await done } }
}

export async function endToEnd (target: Target, opts: {
  rates: number[], seconds: number, maxInFlight: number, settleS: number, monitor: Monitor, log: (line: string) => void
}): Promise<RateRun[]> {
  const runs: RateRun[] = []
  for (const rate of opts.rates) {
    await settle(target, opts.settleS)
    const clock = await clockOffset(target.db)
    const { rows: [{ max }] } = await target.db.query('SELECT coalesce(max(id), 0) AS max FROM notifications')
    const poller = pollNotifications(target.db, Number(max))
    const received = new Map<number, number>() // booking id -> 201 received (bench clock)
    const window = opts.monitor.window(`end to end ${rate}/s`)
    const requests = await paced({
      url: target.server.url,
      rate,
      seconds: opts.seconds,
      maxInFlight: opts.maxInFlight,
      expect: 201,
      next: () => bookingRequest(target.stays.take()),
      onOk: (body, at) => received.set(JSON.parse(body).booking.id, at)
    })
    const usage = window.stop()
    const drain = await settle(target, opts.settleS)
    await sleep(3 * POLL_MS)
    await poller.stop()

    const ids = [...received.keys()]
    const { rows } = await target.db.query(
      `SELECT booking_id, extract(epoch FROM created_at) * 1000 AS t FROM notifications
        WHERE type = 'booking_requested' AND booking_id = ANY($1::bigint[])`, [ids])
    const e2e = rows.map(r => Number(r.t) - clock.offset - received.get(r.booking_id)!)
    const visible = ids.filter(id => poller.firstSeen.has(id)).map(id => poller.firstSeen.get(id)! - received.get(id)!)
    const run: RateRun = {
      rate,
      requests,
      e2e_ms: summarize(e2e),
      visible_ms: summarize(visible),
      unseen_by_poller: ids.length - visible.length,
      clock_offset_error_ms: clock.error,
      backlog_drain_s: drain,
      cpu: usage.cpu
    }
    opts.log(`end to end at ${rate}/s (achieved ${requests.achievedRate.toFixed(0)}/s): p50 ${run.e2e_ms.p50.toFixed(1)} ms, p99 ${run.e2e_ms.p99.toFixed(1)} ms (visible by p99 ${run.visible_ms.p99.toFixed(1)} ms)`)
    runs.push(run)
  }
  return runs
}
