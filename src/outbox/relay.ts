import type { Logger } from 'pino'
import { Connection, type Pool } from '../db/pool.ts'
import { createProducer } from '../kafka/client/clients.ts'
import type { Metrics } from '../metrics/registry.ts'
import { repeat } from '../timing.ts'
import { contextOf, contextWith, endSpan, SpanKind, startSpan, traceparentOf, type Span } from '../tracing/spans.ts'
import { nextPosition, type Candidate, type View } from './position.ts'
import { OUTBOX_CHANNEL } from './wake.ts'

/** Only the relay holding this advisory lock publishes: one publisher keeps each booking's events in order. */
const RELAY_LOCK = 7243012

export interface RelayOptions {
  pool: Pool
  databaseUrl: string
  brokers: string[]
  log: Logger
  pollMs: number
  batchSize: number
  /** The event-version header of every record (the event contract's version, given by whoever knows it). */
  eventVersion: string
  /** Times each batch's publishing (hostly_relay_publish_duration_seconds). */
  metrics?: Pick<Metrics, 'relayPublish'>
}

export interface Relay {
  /** Whether this relay holds the leader lock now (hostly_relay_leader). */
  leading (): boolean
  stop (): Promise<void>
}

interface OutboxRow { id: number, event_id: string, topic: string, key: string, payload: string, traceparent: string | null }

/**
 * One turn's read, in one statement and so one snapshot: the position, the newest committed id, the snapshot's
 * bounds (xid8 as bigint, so a number like every bigint here), and up to $1 unpublished rows above the position, in
 * id order. The lateral join keeps one row when there is nothing to publish (its outbox columns null). The position
 * is a scalar subquery and the range is closed above by `newest` so that the planner's estimate stays far below
 * jit_above_cost, even for a huge outbox: as a join, each turn JIT-compiled the query (BENCHMARKS.md, "The outbox's
 * position").
 */
const UNPUBLISHED = `
  SELECT pos.through, pos.newest, pg_snapshot_xmin(pos.snap)::text::bigint AS xmin, pg_snapshot_xmax(pos.snap)::text::bigint AS xmax,
         o.id, o.event_id, o.topic, o.key, o.payload, o.traceparent
    FROM (SELECT (SELECT published_through FROM outbox_relay) AS through, (SELECT max(id) FROM outbox) AS newest,
                 pg_current_snapshot() AS snap) pos
    LEFT JOIN LATERAL (SELECT * FROM outbox WHERE id > pos.through AND id <= pos.newest AND published_at IS NULL
                        ORDER BY id LIMIT $1) o ON true
   ORDER BY o.id`

/** Moves the position from $1 to $2, unless someone else moved it meanwhile (an operator lowering it: theirs wins). */
const ADVANCE = 'UPDATE outbox_relay SET published_through = $2 WHERE published_through = $1 AND $2::bigint > $1::bigint'

/** Marks the batch $3 published (a HOT update: no index covers published_at) and advances, in one statement. */
const MARK = `WITH marked AS (UPDATE outbox SET published_at = now() WHERE id = ANY($3::bigint[])) ${ADVANCE}`

type BatchRow = { through: number | null, newest: number | null, xmin: number, xmax: number } & { [K in keyof OutboxRow]: OutboxRow[K] | null }

/**
 * A span per event published (tracing on): a child of the request that wrote the row, from its traceparent, or a
 * new trace for a row written outside any (the expiry sweeper). It lasts from the send to the row marked published.
 */
function sendSpan (r: OutboxRow): Span | undefined {
  return startSpan(`send ${r.topic}`, {
    kind: SpanKind.PRODUCER,
    parent: contextOf(r.traceparent),
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': r.topic,
      'messaging.message.id': r.event_id,
      'messaging.kafka.message.key': r.key,
      'hostly.outbox.id': r.id
    }
  })
}

/**
 * The record's traceparent header: the send span's, so the consumers are its children. With tracing off here, the
 * row's own, as written (consumers that trace then continue the request's trace); none when neither is there.
 */
function traceHeader (r: OutboxRow, span: Span | undefined): { traceparent?: string } {
  const traceparent = span ? traceparentOf(contextWith(span)) : r.traceparent
  return traceparent ? { traceparent } : {}
}

/**
 * The outbox relay: publishes unpublished outbox rows to Kafka in id order (per booking, commit order), then marks
 * them published and moves its position (nextPosition). Woken by NOTIFY at each commit, polls every pollMs.
 * A crash between send and mark re-sends a batch: delivery is at-least-once, and consumers deduplicate.
 */
export function startRelay (opts: RelayOptions): Relay {
  const { pool, log } = opts
  const producer = createProducer(opts.brokers)
  // One dedicated connection: it asks for the leader lock (again each standby turn, without reconnecting),
  // then holds it and LISTENs. If it drops, the lock is gone with it, and the next turn starts over.
  let session: Connection | undefined
  let leading = false

  async function connect (): Promise<Connection> {
    const client = new Connection({ connectionString: opts.databaseUrl }) // its loss is noticed through 'end'
    client.on('notification', () => loop.wake())
    client.on('end', () => {
      if (session !== client) return
      session = undefined
      leading = false
      loop.wake()
    })
    await client.connect()
    return client
  }

  /** True once this relay holds the leader lock; false while another relay leads. */
  async function lead (): Promise<boolean> {
    session ??= await connect()
    const { rows: [{ locked }] } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK])
    if (!locked) return false
    await session.query(`LISTEN ${OUTBOX_CHANNEL}`)
    log.info('Kafka outbox relay: leading, publishing outbox events')
    return true
  }

  // Where the position may move once nothing at or below that point can still commit (nextPosition). The position
  // itself is read every turn, not kept here, so that an operator can lower it.
  let candidate: Candidate | undefined

  async function publishBatch (): Promise<number> {
    const { rows: [head, ...more] } = await pool.query<BatchRow>({ name: 'relay-unpublished', text: UNPUBLISHED, values: [opts.batchSize] })
    if (head.through === null) throw new Error('outbox_relay has no row: the relay does not know where to start (docs/operations.md, "Outbox not draining")')
    const rows = (head.id === null ? [] : [head, ...more]) as OutboxRow[]
    const view: View = { through: head.through, newest: head.newest ?? head.through, xmin: head.xmin, xmax: head.xmax }
    const { through, next } = nextPosition(view, candidate, rows, opts.batchSize)
    candidate = next
    if (rows.length === 0) {
      if (through > view.through) await pool.query({ name: 'relay-advance', text: ADVANCE, values: [view.through, through] })
      return 0
    }
    const done = opts.metrics?.relayPublish.startTimer()
    const spans = rows.map(sendSpan)
    try {
      await producer.send({
        messages: rows.map((r, i) => ({
          topic: r.topic,
          key: r.key,
          value: r.payload,
          headers: { 'event-id': r.event_id, 'event-type': r.topic, 'event-version': opts.eventVersion, ...traceHeader(r, spans[i]) }
        }))
      })
      await pool.query({ name: 'relay-mark', text: MARK, values: [view.through, through, rows.map(r => r.id)] })
    } catch (err) {
      for (const span of spans) endSpan(span, err)
      throw err
    }
    for (const span of spans) endSpan(span)
    done?.()
    log.debug({ count: rows.length }, 'Kafka outbox relay: published events')
    return rows.length
  }

  /** One turn: lead if no one does, publish a batch; the wait before the next turn. */
  async function turn (): Promise<number> {
    leading ||= await lead()
    if (!leading) return opts.pollMs * 5 // standby: another relay leads
    const published = await publishBatch()
    return published < opts.batchSize ? opts.pollMs : 0
  }

  const loop = repeat(turn, (err, retryInMs) =>
    log.warn({ err: err.message, retryInMs }, 'Kafka outbox relay: publishing failed, will retry'))
  return {
    leading: () => leading,
    async stop () {
      await loop.stop()
      await producer.close().catch(() => {})
      const client = session
      session = undefined
      await client?.end().catch(() => {})
    }
  }
}
