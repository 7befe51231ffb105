import type { Client } from '../../db/pool.ts'
import type { Decoded, DecodedEvent, RecordLike } from './decode.ts'

/**
 * A consumer group's work: what it reads, how to read it, and the effect of events it has not processed before,
 * applied in one transaction. It gets a batch when records come fast, or a single event when one is being
 * isolated. A handler that finds an event can never succeed throws a PermanentEventError (errors.ts): the event
 * goes to the dead-letter topic at once, with the error's message as the reason.
 */
export interface ConsumerSpec<P = unknown> {
  name: string
  group: string
  topic: string
  /** All the topics the group reads, when more than `topic` (which is one of them): their events come mixed. */
  topics?: string[]
  /** The decoder of a record of the topic (one of the spec's): records that fail it are poison, dead-lettered unread. */
  decode: (message: RecordLike, topic: string) => Decoded<P>
  /**
   * What the handler reads about each event, read by the statement that records the events as processed (one round
   * trip fewer per batch): sql(ids, params) is a SELECT of one row per event, numbered from 1 in the events' order (`event_ordinal`), reading their ids
   * from the uuid[] parameter `ids` and its own values (values(events)) from `params(1)`, `params(2)`, …. handle then
   * gets the rows of the events it is given as its third argument.
   */
  lookUp?: EventLookUp<P>
  /**
   * stopping is aborted once the member is stopping. A handler whose events each take long (an e-mail sent over
   * SMTP) calls stopping.throwIfAborted() between them: the batch is then rolled back and not committed, and it
   * comes again to the next member, so the shutdown does not wait for the rest of it. What the handler did outside
   * the batch's transaction before that must be safe to find again (the e-mails' sent record).
   */
  handle (tx: Client, events: Array<DecodedEvent<P>>, looked?: unknown[], stopping?: AbortSignal): Promise<void>
}

export interface EventLookUp<P> {
  name: string
  sql (ids: string, params: (n: number) => string): string
  values (events: Array<DecodedEvent<P>>): unknown[]
}

/** The topics a spec reads. */
export const specTopics = (spec: ConsumerSpec) => spec.topics ?? [spec.topic]

/** What the runner counts for each event it reads (hostly_events_total's outcome label). */
export type EventOutcome = 'processed' | 'duplicate' | 'retried' | 'dead_lettered'

/**
 * The two metrics the runner feeds (hostly_events_total and hostly_event_end_to_end_seconds), by their shape,
 * so that the runtime knows no registry: metrics/ reads Kafka, Kafka does not import metrics/.
 */
export interface ConsumerMetrics {
  events: { inc (labels: { group: string, topic: string, outcome: EventOutcome }, value?: number): void }
  endToEnd: { observe (labels: { group: string }, seconds: number): void }
}
