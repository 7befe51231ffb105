// (f) The database ceiling: pgbench running what creating a booking does in PostgreSQL, against a fresh
// database with Hostly's schema and the same number of properties. The session lookup of each request is left
// out, as is everything outside PostgreSQL. Same client counts as booking creation, -j 2.
//   as_hostly:   SELECT ... FROM request_booking(..., in_trace(topic, NULL)), prepared (-M prepared), as src/bookings/service.ts sends with tracing off
//                it: the property FOR SHARE, the overlap check, the booking and its outbox row, one statement
//   seven_statements: the transaction the first version sent (BEGIN, lock, check, insert, outbox, pg_notify,
//                COMMIT), prepared: what moving it into one function and NOTIFY out of it gained
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TOPICS } from '../../src/bookings/events.ts'
import { runToEnd } from '../lib/children.ts'
import type { Fixtures } from '../lib/fixtures.ts'
import type { Monitor } from '../lib/monitor.ts'
import { findPgbench } from '../lib/pgbench.ts'

const SEED_PAYLOAD = '{"id":\' || (:id)::text || \',"property_id":\' || (:p)::text || \',"traveler_id":\' || (:traveler)::text || \',"start_date":"2024-01-15","end_date":"2024-01-20","num_guests":2,"status":"pending","total_price":241,"created_at":"2024-01-10T10:00:00.000Z","timestamp":"2024-01-10T10:00:00.000Z"}'

const REQUEST = `\\set p random(:pmin, :pmax)
\\set d random(1, 3000)
SELECT outcome, bound, (booking).* FROM request_booking(:p, :traveler, current_date + :d::int, current_date + :d::int + 2, 2, in_trace('${TOPICS.created}', NULL));
`

const SEVEN = `\\set p random(:pmin, :pmax)
\\set d random(1, 3000)
BEGIN;
SELECT id, max_guests FROM properties WHERE id = :p FOR SHARE;
SELECT 1 FROM bookings WHERE property_id = :p AND status = 'accepted' AND id <> 0 AND daterange(start_date, end_date) && daterange(current_date + :d::int, current_date + :d::int + 2) LIMIT 1;
INSERT INTO bookings (property_id, owner_id, traveler_id, start_date, end_date, num_guests, total_price) SELECT id, owner_id, :traveler, current_date + :d::int, current_date + :d::int + 2, 2, price_per_night * 2 FROM properties WHERE id = :p RETURNING id, property_id, traveler_id, start_date, end_date, num_guests, status, total_price, created_at, updated_at \\gset
INSERT INTO outbox (event_id, topic, key, payload) SELECT event_id, topic, key, payload FROM unnest(ARRAY[gen_random_uuid()], ARRAY['${TOPICS.created}'], ARRAY[(:id)::text], ARRAY['${SEED_PAYLOAD}']) WITH ORDINALITY AS e(event_id, topic, key, payload, n) ORDER BY n;
SELECT pg_notify('hostly_outbox', '');
END;
`

const VARIANTS = [
  { name: 'as_hostly', file: 'request', mode: 'prepared' },
  { name: 'seven_statements', file: 'seven', mode: 'prepared' }
] as const

export interface PgbenchRun { clients: number, variant: string, tps: number, latency_avg_ms: number, cpu: Record<string, number> }

export async function dbCeiling (databaseUrl: string, fixtures: Fixtures, opts: { levels: number[], seconds: number, warmupS: number, workDir: string, monitor: Monitor, log: (line: string) => void }) {
  const pgbenchPath = findPgbench()
  if (!pgbenchPath) throw new Error('db ceiling: pgbench not found on PATH nor in /usr/lib/postgresql/*/bin; install it (Debian: postgresql-contrib) or set PGBENCH')
  const ids = fixtures.properties
  if (ids.some((id, i) => id !== ids[0] + i)) throw new Error('db ceiling: property ids are not contiguous')
  const url = new URL(databaseUrl)
  const files = { request: join(opts.workDir, 'booking-request.sql'), seven: join(opts.workDir, 'booking-seven.sql') }
  await writeFile(files.request, REQUEST)
  await writeFile(files.seven, SEVEN)
  const pgbench = async (clients: number, seconds: number, variant: typeof VARIANTS[number]) => {
    const out = await runToEnd(pgbenchPath, [
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', '-n',
      '-c', String(clients), '-j', '2', '-T', String(seconds), '-M', variant.mode, '-f', files[variant.file],
      '-D', `pmin=${ids[0]}`, '-D', `pmax=${ids[ids.length - 1]}`, '-D', `traveler=${fixtures.travelers[0].id}`,
      decodeURIComponent(url.pathname.slice(1))
    ])
    const number = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN)
    if (number(/number of failed transactions: (\d+)/) > 0) throw new Error(`pgbench: failed transactions:\n${out}`)
    return { tps: number(/^tps = ([\d.]+)/m), latency_avg_ms: number(/^latency average = ([\d.]+) ms/m) }
  }

  // A run that finished no transaction (on a busy machine, 64 clients may spend a short run connecting) gives no
  // tps: run it again for twice as long, up to 4 times, rather than report a ceiling of nothing.
  const measured = async (clients: number, variant: typeof VARIANTS[number]) => {
    for (let seconds = opts.seconds, run = 1; ; seconds *= 2, run++) {
      const r = await pgbench(clients, seconds, variant)
      if (r.tps > 0) return r
      if (run === 4) throw new Error(`db ceiling: pgbench ${variant.name} with ${clients} clients finished no transaction in 4 runs, the last of ${seconds} s`)
      opts.log(`db ceiling, pgbench ${variant.name}, ${clients} clients: no transaction finished in ${seconds} s, again for ${seconds * 2} s`)
    }
  }

  await pgbench(opts.levels[0], opts.warmupS, VARIANTS[0])
  const runs: PgbenchRun[] = []
  for (const clients of opts.levels) {
    for (const variant of VARIANTS) {
      const window = opts.monitor.window(`pgbench ${variant.name} c${clients}`)
      const r = await measured(clients, variant)
      runs.push({ clients, variant: variant.name, ...r, cpu: window.stop().cpu })
      opts.log(`db ceiling, pgbench ${variant.name}, ${clients} clients: ${r.tps.toFixed(0)} tps`)
    }
  }
  return runs
}
