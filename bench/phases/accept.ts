// (c) Accept throughput: owners accepting pending bookings (made by the phases before, none overlapping
// another of its property, so an accept cancels nothing), closed loop, one request per booking.
import type { Fixtures } from '../lib/fixtures.ts'
import { closedLoop, type LoadResult } from '../lib/load.ts'
import type { Monitor } from '../lib/monitor.ts'
import type { Target } from './booking-creation.ts'

export interface AcceptRun extends LoadResult { pending_before: number, cpu: Record<string, number> }

export async function acceptThroughput (target: Target, fixtures: Fixtures, opts: { connections: number, seconds: number, monitor: Monitor }): Promise<AcceptRun> {
  const { rows } = await target.db.query(
    `SELECT b.id, p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id
      WHERE b.status = 'pending' ORDER BY b.id`)
  const cookies = new Map(fixtures.owners.map(o => [o.id, o.cookie]))
  let i = 0
  const window = opts.monitor.window(`accept c${opts.connections}`)
  const load = await closedLoop({
    url: target.server.url,
    connections: opts.connections,
    seconds: opts.seconds,
    expect: 200,
    // Each client builds one request ahead; keep those within the pending bookings too.
    maxRequests: Math.max(opts.connections, rows.length - 2 * opts.connections),
    next: () => {
      const { id, owner_id } = rows[i++ % rows.length]
      return { method: 'POST', path: `/api/bookings/${id}/accept`, headers: { cookie: cookies.get(owner_id)! } }
    }
  })
  const usage = window.stop()
  if (load.failed > 0) console.error(`bench: accept: ${load.failed} failed requests ${JSON.stringify(load.statuses)}`)
  return { ...load, pending_before: rows.length, cpu: usage.cpu }
}
