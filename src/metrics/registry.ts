import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

// Every metric Hostly exports, by the names dashboards and alerts rely on (docs/operations.md says what each
// means). One registry per process: startPieces makes it and hands each piece the metrics it feeds. Labels are
// bounded: route templates, group and topic names, partitions, fixed outcomes; never ids or raw URLs.

/** What the e-mail worker counts for each message (hostly_emails_total's outcome label). */
export type EmailOutcome = 'sent' | 'failed'

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** End to end spans the relay's wake-up, Kafka, a batch and a transaction; retries take RETRY_DELAY rounds. */
const END_TO_END = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export function createMetrics () {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  const collectors = new Set<() => Promise<void> | void>()
  return {
    registry,
    /**
     * Adds what reads a value at scrape time (the outbox, Kafka offsets, the pool); returns its removal. Each
     * bounds its own cost; one that fails leaves its metric as it was reset to, never the scrape failed.
     */
    onScrape (collect: () => Promise<void> | void): () => void {
      collectors.add(collect)
      return () => { collectors.delete(collect) }
    },
    /** The Prometheus text of every metric, after the scrape-time collectors ran. */
    async render (): Promise<string> {
      await Promise.all([...collectors].map(async collect => { try { await collect() } catch {} }))
      return registry.metrics()
    },
    http: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: SECONDS,
      registers
    }),
    outboxPending: new Gauge({ name: 'hostly_outbox_pending', help: 'Outbox rows not yet published to Kafka', registers }),
    outboxOldestAge: new Gauge({
      name: 'hostly_outbox_oldest_pending_age_seconds', help: 'Age of the oldest unpublished outbox row (0 when none)', registers
    }),
    relayLeader: new Gauge({ name: 'hostly_relay_leader', help: '1 on the relay holding the leader lock, 0 on a standby', registers }),
    relayPublish: new Histogram({
      name: 'hostly_relay_publish_duration_seconds',
      help: 'Time to publish one outbox batch to Kafka and mark it published',
      buckets: SECONDS,
      registers
    }),
    consumerLag: new Gauge({
      name: 'hostly_consumer_lag',
      help: 'Records not yet committed by the group: high watermark minus committed offset',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers
    }),
    events: new Counter({
      name: 'hostly_events_total',
      help: 'Events read by a consumer group, by outcome',
      labelNames: ['group', 'topic', 'outcome'] as const,
      registers
    }),
    deadLetters: new Gauge({
      name: 'hostly_dead_letters',
      help: 'Records kept in <topic>.dlq (high watermark minus low watermark, discard markers included)',
      labelNames: ['topic'] as const,
      registers
    }),
    endToEnd: new Histogram({
      name: 'hostly_event_end_to_end_seconds',
      help: "From an event's timestamp to the commit of its effect, by group",
      labelNames: ['group'] as const,
      buckets: END_TO_END,
      registers
    }),
    poolInUse: new Gauge({ name: 'hostly_db_pool_in_use', help: 'Database connections lent out', registers }),
    poolIdle: new Gauge({ name: 'hostly_db_pool_idle', help: 'Database connections open and idle', registers }),
    poolWaiting: new Gauge({ name: 'hostly_db_pool_waiting', help: 'Queries waiting for a database connection', registers }),
    // Fed by the live and e-mail services (src/live/, hostly worker email) once they exist.
    liveSockets: new Gauge({ name: 'hostly_live_sockets', help: 'Open live-notification WebSockets', registers }),
    emails: new Counter({
      name: 'hostly_emails_total', help: 'E-mails by outcome (sent, failed)', labelNames: ['outcome'] as const, registers
    })
  }
}

export type Metrics = ReturnType<typeof createMetrics>
