// The tables `npm run bench` prints (and BENCHMARKS.md quotes), from the results JSON.

type Row = (string | number)[]

function table (header: Row, rows: Row[]): string {
  const cells = [header, ...rows].map(r => r.map(c => typeof c === 'number' ? fmt(c) : c))
  const widths = header.map((_, i) => Math.max(...cells.map(r => r[i]?.length ?? 0)))
  const line = (r: string[]) => '| ' + r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(' | ') + ' |'
  return [line(cells[0]), '|' + widths.map((w, i) => i === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':').join('|') + '|', ...cells.slice(1).map(line)].join('\n')
}

function fmt (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return n.toFixed(0)
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

export function render (r: any): string {
  const out: string[] = []
  if (r.booking_creation) out.push(...renderMain(r))
  if (r.data_scale) out.push(...(out.length ? [''] : []), ...renderScale(r.data_scale))
  if (r.live) out.push(...(out.length ? [''] : []), ...renderLive(r.live))
  return out.join('\n')
}

const lat = (s: any) => [s.p50, s.p95, s.p99]

function renderScale (d: any): string[] {
  const { small, large } = d.sizes
  const out: string[] = []
  out.push(`Data scale (small: ${small.size.bookings} bookings, ${small.size.properties} properties; large: ${large.size.bookings} bookings, ${large.size.properties} properties, built in ${fmt(large.build_s)} s; latency in ms)`, table(
    ['operation', 'small req/s', 'small p99', 'large req/s', 'large p50', 'large p99', 'large max bytes', 'items', 'paged'],
    Object.keys(large.reads).map(op => {
      const s = small.reads[op]
      const l = large.reads[op]
      return [op, s.rps, s.latency.p99, l.rps, l.latency.p50, l.latency.p99, l.max_bytes, l.items, l.paged ? 'yes' : 'no']
    }).concat(['create', 'accept'].map(op => [op, small.writes[op].rps, small.writes[op].latency.p99, large.writes[op].rps,
      large.writes[op].latency.p50, large.writes[op].latency.p99, '', '', '']))))
  out.push('', 'Data scale summary', table(['figure', 'small', 'large', 'goal at large'], [
    ['accept req/s (ratio large/small)', small.writes.accept.rps, large.writes.accept.rps, `≥ 0.9× (${fmt(d.accept_rps_ratio)}×)`],
    ['create req/s (ratio large/small)', small.writes.create.rps, large.writes.create.rps, `≥ 0.95× (${fmt(d.create_rps_ratio)}×)`],
    ['idle expiry sweep ms (p50)', small.sweep_idle_ms.p50, large.sweep_idle_ms.p50, '≤ 5'],
    [`relay: ${d.relay_bookings} bookings → notified, ms`, small.relay_ms, large.relay_ms, '≤ 400'],
    ['search p99 ms', small.reads.search.latency.p99, d.search_p99_ms, '≤ 15'],
    ['search with dates p99 ms', small.reads.search_dates.latency.p99, d.search_dates_p99_ms, '≤ 15'],
    ['owner bookings p99 ms', small.reads.owner_bookings.latency.p99, d.owner_bookings_p99_ms, '≤ 10'],
    ['traveler bookings p99 ms', small.reads.traveler_bookings.latency.p99, d.traveler_bookings_p99_ms, '≤ 10'],
    ['notifications p99 ms', small.reads.notifications.latency.p99, d.notifications_p99_ms, '≤ 5']
  ]))
  out.push('', 'Data scale: tables on disk at the large size (pg_total_relation_size, MiB)', table(
    ['table', 'MiB'], Object.entries(large.table_bytes).map(([t, b]) => [t, (b as number) / 2 ** 20])))
  return out
}

function renderLive (l: any): string[] {
  const e = l.end_to_end
  const s = l.sockets
  const c = l.creation
  const m = l.messages
  const run = (name: string, x: any) => [name, x.rps, ...lat(x.latency), x.failed]
  return [
    `Live push: booking 201 → the owner's WebSocket, at ${e.rate}/s for ${e.requests.sent} bookings (achieved ${fmt(e.requests.achievedRate)}/s; ms)`,
    table(['figure', 'p50', 'p95', 'p99', 'max', 'missing'], [['201 → owner socket', ...lat(e.latency_ms), e.latency_ms.max, e.missing]]),
    '',
    'The same at each rate, and where the time goes: each stage from the 201, p50 / p99 ms (machine: % of one core, 200 in all)',
    table(['rate', 'machine', 'event published', 'owner worker begins', 'its commit', 'owner socket'],
      (l.end_to_end_by_rate ?? []).map((r: any) => [r.rate, r.machine_cpu,
        ...['published', 'processing', 'committed', 'socket'].map(k => `${fmt(r.stages_ms[k].p50)} / ${fmt(r.stages_ms[k].p99)}`)])),
    '',
    `Live push: a conversation's message → the other party's WebSocket, at ${m.rate}/s for ${m.requests.sent} messages, ${m.pairs} pairs of traveler and host (achieved ${fmt(m.requests.achievedRate)}/s; ms)`,
    table(['figure', 'p50', 'p95', 'p99', 'max', 'missing / failed'], [
      ['POST written → recipient socket', ...lat(m.latency_ms), m.latency_ms.max, m.missing],
      ['201 → recipient socket', ...lat(m.after_201_ms), m.after_201_ms.max, ''],
      ['POST → 201', ...lat(m.requests.latency), m.requests.latency.max, m.requests.failed]
    ]),
    '',
    `Live push: ${s.sockets} sockets of ${s.sockets} users on one API process (opened in ${fmt(s.open_s)} s; ${s.still_open} still open after the pushes)`,
    table(['figure', 'value'], [
      ['API RSS before, MiB', s.rss_before_mb],
      ['API RSS with them open, MiB', s.rss_after_mb],
      ['per connection, KiB', s.rss_per_connection_kb],
      [`push p50 / p99 ms (${s.pushes} pushes, COMMIT → socket)`, `${fmt(s.push_ms.p50)} / ${fmt(s.push_ms.p99)}`],
      ['pushes missing', s.missing]
    ]),
    '',
    `Live push: booking creation with the e-mail worker and ${c.sockets} sockets open against without (c${c.connections}; ${c.emails} e-mails, ${c.pushed} pushes; ms)`,
    table(['run', 'req/s', 'p50', 'p95', 'p99', 'failed'], [
      run('with', c.with_first), run('without', c.without), run('with, again', c.with_again)
    ]),
    '',
    'Live push summary',
    table(['figure', 'value', 'goal'], [
      ['live.end_to_end.p99_ms', e.p99_ms, '≤ 100'],
      ['live.messages.p50_ms', m.p50_ms, ''],
      ['live.messages.p99_ms', m.p99_ms, ''],
      ['live.sockets.rss_per_connection_kb', s.rss_per_connection_kb, ''],
      ['live.sockets.push_ms.p99', s.push_ms.p99, ''],
      ['live.creation.throughput_ratio', c.throughput_ratio, '≥ 0.9']
    ])
  ]
}

function renderMain (r: any): string[] {
  const out: string[] = []
  out.push('Booking creation (POST /api/bookings, closed loop; latency in ms)', table(
    ['system', 'connections', 'req/s', 'p50', 'p95', 'p99', 'failed', 'API RSS max MiB'],
    r.booking_creation.levels.flatMap((l: any) => [
      ['Hostly', l.connections, l.ours.rps, ...lat(l.ours.latency), l.ours.failed, l.ours.rss_max_mb],
      ['baseline (seed)', l.connections, l.baseline.rps, ...lat(l.baseline.latency), l.baseline.failed, l.baseline.rss_max_mb],
      ['  Hostly / baseline', l.connections, l.throughput_ratio, '', '', l.p99_ratio, '', '']
    ])))
  out.push('', 'End to end (201 received → owner notification created_at; "visible by": first seen by a 10 ms poll; ms)', table(
    ['target rate/s', 'achieved/s', 'bookings', 'p50', 'p95', 'p99', 'visible by p99', 'backlog drain s'],
    r.end_to_end.rates.map((e: any) => [e.rate, e.requests.achievedRate, e.e2e_ms.count, ...lat(e.e2e_ms), e.visible_ms.p99, e.backlog_drain_s])))
  out.push('', 'Accept (POST /api/bookings/:id/accept by owners; ms)', table(
    ['connections', 'req/s', 'p50', 'p95', 'p99', 'failed'],
    [[r.accept.connections, r.accept.rps, ...lat(r.accept.latency), r.accept.failed]]))
  const k = r.kafka_clients
  out.push('', `Kafka clients (${k.records} records of ${k.record_bytes} B, batches of ${k.batch}, idempotent, acks=all; records/s)`, table(
    ['client', 'produce', 'consume', 'both', 'group join s'],
    [['@platformatic/kafka', k.platformatic.produce_records_per_s, k.platformatic.consume_records_per_s, k.platformatic.records_per_s, k.platformatic.join_s],
      ['kafkajs 2.2.4', k.kafkajs.produce_records_per_s, k.kafkajs.consume_records_per_s, k.kafkajs.records_per_s, k.kafkajs.join_s],
      ['  platformatic / kafkajs', k.produce_ratio, k.consume_ratio, k.throughput_ratio, '']]))
  out.push('', 'Database ceiling (pgbench, the booking transaction; tps)', table(
    ['clients', 'request_booking() (as Hostly)', 'first version: 7 statements', 'Hostly req/s', 'share'],
    r.db_ceiling.levels.map((l: any) => [l.clients, l.as_hostly, l.seven_statements, l.ours_rps, l.share])))
  out.push('', 'Summary', table(['figure', 'value', 'target'], [
    ['baseline.throughput_ratio (worst level)', r.baseline.throughput_ratio, '≥ 2'],
    ['baseline.p99_ratio (worst level)', r.baseline.p99_ratio, '< 1'],
    ['end_to_end.p99_ms at 100/s', r.end_to_end.p99_ms, '≤ 50'],
    ['db_ceiling.share', r.db_ceiling.share, '≥ 0.6'],
    ['kafka_clients.throughput_ratio', r.kafka_clients.throughput_ratio, ''],
    ['api.peak_rss_mb', r.api.peak_rss_mb, '']
  ]))
  const phases = Object.keys(r.cpu)
  const names = [...new Set(phases.flatMap(p => Object.keys(r.cpu[p])))].sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  out.push('', 'CPU per process (% of one core; the machine has ' + r.machine.cpus + ' cores)', table(
    ['phase', ...names], phases.map(p => [p, ...names.map(n => r.cpu[p][n] ?? 0)])))
  return out
}

const ORDER = ['api', 'relay', 'owner-worker', 'traveler-worker', 'baseline', 'postgres', 'kafka-broker', 'bench', 'pgbench', 'interrupts', 'other', 'machine']
const order = (name: string) => { const i = ORDER.findIndex(o => name.startsWith(o)); return i < 0 ? ORDER.length : i }
