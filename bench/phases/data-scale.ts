// (h) Data scale: the same operations at a small and a large data set (bench/lib/scale-data.ts), each size in
// its own database with its own Hostly (API, relay, owner and traveler workers), called over HTTP as a client
// calls them. The figure is how each cost moves with the data: a request should cost what it returns.
import { TOPICS } from '../../src/bookings/events.ts'
import type pg from 'pg'
import { openSession, SESSION_COOKIE } from '../../src/auth/sessions.ts'
import { expirePendingBookings } from '../../src/bookings/expiry.ts'
import { createPool } from '../../src/db/pool.ts'
import { OUTBOX_CHANNEL } from '../../src/outbox/wake.ts'
import type { Cleanup } from '../lib/cleanup.ts'
import type { Monitor } from '../lib/monitor.ts'
import { buildScaleData, type ScaleData, type ScaleSize } from '../lib/scale-data.ts'
import { startHostly, until, type Server } from '../lib/servers.ts'
import { nowMs, summarize } from '../lib/stats.ts'
import { type People, readScenario, type ReadRun, writeScenario, type WriteRuns } from './data-scale-load.ts'

export interface DataScaleOptions {
  small: ScaleSize
  large: ScaleSize
  /** Seconds each operation is measured, after a warm-up of warmupS. */
  seconds: number
  warmupS: number
  readConnections: number
  writeConnections: number
  /** Bookings committed at once for relay_ms (5,000 in the full run). */
  relayBookings: number
  sweepRuns: number
  cleanup: Cleanup
  monitor: Monitor
  workDir: string
  brokers: string
  database: () => Promise<string>
  log: (line: string) => void
}

export interface SizeRun {
  size: ScaleSize
  build_s: number
  build_steps_s: Record<string, number>
  reads: Record<string, ReadRun>
  writes: WriteRuns
  sweep_idle_ms: { p50: number, max: number }
  relay_ms: number
  table_bytes: Record<string, number>
}

const TABLES = ['bookings', 'properties', 'users', 'outbox', 'processed_events', 'notifications', 'sessions']

async function tableBytes (db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query('SELECT t, pg_total_relation_size(t::regclass)::bigint AS bytes FROM unnest($1::text[]) t', [TABLES])
  return Object.fromEntries(rows.map(r => [r.t, Number(r.bytes)]))
}

/** Every event since the marks has been published and turned into its one notification. */
export async function settled (db: pg.Pool, marks: { outbox: number, notifications: number }): Promise<boolean> {
  const { rows: [r] } = await db.query(
    `SELECT (SELECT count(*) FROM outbox WHERE id > $1) AS events,
            (SELECT count(*) FROM outbox WHERE id > $1 AND published_at IS NULL) AS unpublished,
            (SELECT count(*) FROM notifications WHERE id > $2) AS notified`, [marks.outbox, marks.notifications])
  return Number(r.unpublished) === 0 && Number(r.events) === Number(r.notified)
}

export async function marks (db: pg.Pool) {
  const { rows: [r] } = await db.query(
    `SELECT (SELECT coalesce(max(id), 0) FROM outbox) AS outbox, (SELECT coalesce(max(id), 0) FROM notifications) AS notifications,
            (SELECT coalesce(max(id), 0) FROM bookings) AS bookings`)
  return { outbox: Number(r.outbox), notifications: Number(r.notifications), bookings: Number(r.bookings) }
}

/** The idle expiry sweep (nothing older than the TTL is pending), timed as the sweeper runs it. */
async function sweepIdle (db: pg.Pool, runs: number) {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = nowMs()
    const expired = await expirePendingBookings(db, 24 * 3_600_000)
    times.push(nowMs() - t)
    if (expired !== 0) throw new Error(`idle sweep expired ${expired} bookings: the data set has stale pending requests`)
  }
  const s = summarize(times)
  return { p50: s.p50, max: s.max }
}

/**
 * relay_ms: n booking requests committed in one transaction (request_booking(), as the API makes them), then
 * the relay woken as the API wakes it; the time until the owner worker has written all n notifications.
 */
async function relayBurst (db: pg.Pool, data: ScaleData, n: number): Promise<number> {
  const props = data.properties
  const mark = await marks(db)
  // After every stay asked for so far: none of these is refused.
  const { rows: [{ free }] } = await db.query("SELECT max(end_date) - (now() AT TIME ZONE 'UTC')::date + 2 AS free FROM bookings")
  const fromDay = Number(free)
  const client = await db.connect()
  let committed: number
  try {
    await client.query('BEGIN')
    await client.query(
      `SELECT request_booking(p, t, d, d + 1, 1, '${TOPICS.created}')
         FROM unnest($1::bigint[], $2::bigint[], $3::date[]) AS r(p, t, d)`,
      [Array.from({ length: n }, (_, i) => props[i % props.length].id),
        Array.from({ length: n }, (_, i) => data.travelers[i % data.travelers.length]),
        Array.from({ length: n }, (_, i) => day(fromDay + 2 * Math.floor(i / props.length)))])
    await client.query('COMMIT')
    committed = nowMs()
    await client.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`)
  } finally {
    client.release()
  }
  await until(`${n} owner notifications`, async () => {
    const { rows: [r] } = await db.query("SELECT count(*)::int AS n FROM notifications WHERE id > $1 AND type = 'booking_requested'", [mark.notifications])
    return r.n >= n
  }, 120_000, 5)
  return nowMs() - committed
}

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)

interface Prepared { label: string, size: ScaleSize, db: pg.Pool, data: ScaleData, build_s: number, people: People, server: Server, log: (line: string) => void }

/** Its own database with the data set built, sessions for the users the requests come from, and Hostly on it. */
async function prepare (label: string, size: ScaleSize, opts: DataScaleOptions): Promise<Prepared> {
  const t0 = nowMs()
  const log = (line: string) => opts.log(`data scale, ${label} (+${((nowMs() - t0) / 1000).toFixed(1)} s): ${line}`)
  const url = await opts.database()
  const db = createPool(url, 4)
  opts.cleanup.add(`close the ${label} scale pool`, () => db.end())
  const data = await buildScaleData(db, size, 20)
  const buildS = (nowMs() - t0) / 1000
  log(`built ${size.bookings} bookings, ${size.properties} properties in ${buildS.toFixed(1)} s ${JSON.stringify(data.build_s)}`)
  const cookie = async (id: number) => `${SESSION_COOKIE}=${await openSession(db, id, 24)}`
  const people = {
    heavyOwner: await cookie(data.heavyOwner),
    heavyTraveler: await cookie(data.heavyTraveler),
    travelers: await Promise.all(data.travelers.slice(0, 100).map(cookie)),
    owners: new Map(await Promise.all(data.owners.map(async id => [id, await cookie(id)] as const)))
  }
  const server = await startHostly(opts, url, { ownerWorkers: 1 })
  log('Hostly started')
  return { label, size, db, data, build_s: buildS, people, server, log }
}

async function measure (p: Prepared, opts: DataScaleOptions): Promise<SizeRun> {
  const { db, data, people, server, log, label } = p
  try {
    const ctx = { url: server.url, seconds: opts.seconds, warmupS: opts.warmupS, monitor: opts.monitor, label }
    const reads = await readScenario(ctx, people, opts.readConnections)
    for (const [op, r] of Object.entries(reads)) log(`${op} p99 ${r.latency.p99.toFixed(1)} ms, ${r.rps.toFixed(0)} req/s, max ${r.max_bytes} B`)
    const sweep = await sweepIdle(db, opts.sweepRuns)
    const writes = await writeScenario(ctx, people, data, db, opts.writeConnections, {
      settle: async (m) => until(`${label}: events caught up`, () => settled(db, m), 180_000, 100), marks: () => marks(db)
    })
    log(`create ${writes.create.rps.toFixed(0)} req/s, accept ${writes.accept.rps.toFixed(0)} req/s, idle sweep ${sweep.p50.toFixed(2)} ms`)
    const relayMs = await relayBurst(db, data, opts.relayBookings)
    log(`${opts.relayBookings} bookings committed → all owners notified in ${relayMs.toFixed(0)} ms`)
    return { size: p.size, build_s: p.build_s, build_steps_s: data.build_s, reads, writes, sweep_idle_ms: sweep, relay_ms: relayMs, table_bytes: await tableBytes(db) }
  } finally {
    await server.stop()
  }
}

export async function dataScale (opts: DataScaleOptions) {
  // One size after the other: two stacks at once would share the consumer groups on the one broker.
  const small = await measure(await prepare('small', opts.small, opts), opts)
  const large = await measure(await prepare('large', opts.large, opts), opts)
  const p99 = (op: string) => large.reads[op].latency.p99
  return {
    bookings: opts.large.bookings,
    properties: opts.large.properties,
    outbox: opts.large.outbox,
    notifications: opts.large.notifications,
    build_s: large.build_s,
    search_p99_ms: p99('search'),
    search_dates_p99_ms: p99('search_dates'),
    owner_bookings_p99_ms: p99('owner_bookings'),
    traveler_bookings_p99_ms: p99('traveler_bookings'),
    notifications_p99_ms: p99('notifications'),
    accept_rps_ratio: large.writes.accept.rps / small.writes.accept.rps,
    create_rps_ratio: large.writes.create.rps / small.writes.create.rps,
    sweep_idle_ms: large.sweep_idle_ms.p50,
    relay_5000_ms: large.relay_ms,
    relay_bookings: opts.relayBookings,
    max_response_bytes: Object.fromEntries(Object.entries(large.reads).map(([op, r]) => [op, r.max_bytes])),
    table_bytes: large.table_bytes,
    sizes: { small, large }
  }
}
