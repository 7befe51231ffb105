// The requests of the data-scale phase: the reads (search, the heavy owner's and traveler's first page, a
// notifications page) and the writes (booking requests, then accepting them), closed loop over HTTP.
import type pg from 'pg'
import { closedLoop, type LoadResult, type Request } from '../lib/load.ts'
import type { Monitor } from '../lib/monitor.ts'
import { CITIES, type ScaleData } from '../lib/scale-data.ts'

export interface ReadRun extends LoadResult {
  path: string
  /** Largest response body seen, and the items in the first one (the page size actually served). */
  max_bytes: number
  items: number
  /** The first page carried a next_cursor field (the paging of docs/http.md). */
  paged: boolean
  cpu: Record<string, number>
}
export interface WriteRuns { create: LoadResult & { cpu: Record<string, number> }, accept: LoadResult & { cpu: Record<string, number> } }

interface Ctx { url: string, seconds: number, warmupS: number, monitor: Monitor, label: string }
export interface People { heavyOwner: string, heavyTraveler: string, travelers: string[], owners: Map<number, string> }

export const PAGE = 20
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)

/** What a visitor types: a city, part of one, a country (thousands of matches), or nothing (every property). */
const LOCATIONS = [...CITIES.slice(0, 24).map(c => c[0]), 'lisb', 'ber', 'Portugal', 'United States', 'Spain', 'an', '']

function searchPaths (dated: boolean): string[] {
  return LOCATIONS.map((loc, i) => {
    const q = new URLSearchParams({ ...(loc && { location: loc }), guests: String(1 + i % 3), limit: String(PAGE) })
    if (dated) { q.set('start_date', day(1 + i % 28)); q.set('end_date', day(4 + i % 28)) }
    return `/api/properties/search?${q}`
  })
}

async function read (ctx: Ctx, op: string, connections: number, paths: string[], cookie?: string): Promise<ReadRun> {
  const headers: Record<string, string> = cookie ? { cookie } : {}
  // Today's list endpoints may not know `limit` yet (400): then the unpaged list is what a client gets.
  let list = paths
  const probe = await fetch(ctx.url + paths[0], { headers })
  if (probe.status === 400) list = paths.map(p => p.replace(/\?.*$/, ''))
  else if (probe.status !== 200) throw new Error(`${op}: ${probe.status} ${await probe.text()}`)
  let i = 0
  let maxBytes = 0
  let first: string | undefined
  const opts = {
    url: ctx.url,
    connections,
    expect: 200,
    next: (): Request => ({ method: 'GET', path: list[i++ % list.length], headers }),
    onOk: (body: string) => { maxBytes = Math.max(maxBytes, Buffer.byteLength(body)); first ??= body }
  }
  await closedLoop({ ...opts, seconds: ctx.warmupS })
  maxBytes = 0
  const window = ctx.monitor.window(`data scale ${ctx.label} ${op}`)
  const load = await closedLoop({ ...opts, seconds: ctx.seconds })
  const usage = window.stop()
  if (load.failed > 0) console.error(`bench: data scale ${op}: ${load.failed} failed ${JSON.stringify(load.statuses)}`)
  const parsed = first ? JSON.parse(first) : {}
  const items = Object.values(parsed).find(Array.isArray)?.length ?? 0
  return { ...load, path: list[0], max_bytes: maxBytes, items, paged: 'next_cursor' in parsed, cpu: usage.cpu }
}

export async function readScenario (ctx: Ctx, people: People, connections: number): Promise<Record<string, ReadRun>> {
  return {
    search: await read(ctx, 'search', connections, searchPaths(false)),
    search_dates: await read(ctx, 'search_dates', connections, searchPaths(true)),
    owner_bookings: await read(ctx, 'owner_bookings', connections, [`/api/owner/bookings?limit=${PAGE}`], people.heavyOwner),
    traveler_bookings: await read(ctx, 'traveler_bookings', connections, [`/api/bookings/me?limit=${PAGE}`], people.heavyTraveler),
    notifications: await read(ctx, 'notifications', connections, [`/api/notifications?limit=${PAGE}`], people.heavyOwner)
  }
}

/**
 * Booking requests for the bench owners' properties, in 2-day slots from the first day no generated stay
 * reaches (so none is refused), then their owners accepting them (none overlaps another: accepting cancels
 * nothing). The asynchronous side catches up before each measurement.
 */
export async function writeScenario (ctx: Ctx, people: People, data: ScaleData, db: pg.Pool, connections: number, sync: {
  settle: (m: { outbox: number, notifications: number }) => Promise<void>, marks: () => Promise<{ outbox: number, notifications: number, bookings: number }>
}): Promise<WriteRuns> {
  const props = data.properties
  let n = 0
  const request = (): Request => {
    const i = n++
    const slot = Math.floor(i / props.length)
    return {
      method: 'POST',
      path: '/api/bookings',
      headers: { cookie: people.travelers[i % people.travelers.length], 'content-type': 'application/json' },
      body: JSON.stringify({ property_id: props[i % props.length].id, start_date: day(data.freeFromDay + 2 * slot), end_date: day(data.freeFromDay + 2 * slot + 1), num_guests: 1 })
    }
  }
  const start = await sync.marks()
  await closedLoop({ url: ctx.url, connections, seconds: ctx.warmupS, expect: 201, next: request })
  await sync.settle(start)
  let window = ctx.monitor.window(`data scale ${ctx.label} create`)
  const create = await closedLoop({ url: ctx.url, connections, seconds: ctx.seconds, expect: 201, next: request })
  const createCpu = window.stop().cpu
  await sync.settle(start)
  if (create.failed > 0) console.error(`bench: data scale create: ${create.failed} failed ${JSON.stringify(create.statuses)}`)

  const { rows } = await db.query(
    `SELECT b.id::int, p.owner_id::int FROM bookings b JOIN properties p ON p.id = b.property_id
      WHERE b.id > $1 AND b.status = 'pending' ORDER BY b.id`, [start.bookings])
  let k = 0
  const accept = (): Request => {
    const { id, owner_id } = rows[k++ % rows.length]
    return { method: 'POST', path: `/api/bookings/${id}/accept`, headers: { cookie: people.owners.get(owner_id)! } }
  }
  window = ctx.monitor.window(`data scale ${ctx.label} accept`)
  const accepted = await closedLoop({
    url: ctx.url,
    connections,
    seconds: ctx.seconds,
    expect: 200,
    next: accept,
    maxRequests: Math.max(connections, rows.length - 2 * connections)
  })
  const acceptCpu = window.stop().cpu
  if (accepted.failed > 0) console.error(`bench: data scale accept: ${accepted.failed} failed ${JSON.stringify(accepted.statuses)}`)
  await sync.settle(start)
  return { create: { ...create, cpu: createCpu }, accept: { ...accepted, cpu: acceptCpu } }
}
