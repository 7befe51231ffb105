import type { Queryable } from '../../db/pool.ts'
import { UUID } from '../consumer/decode.ts'
import { FAILURE_HEADERS } from '../consumer/failures.ts'
import { readTopic, type TopicRecord } from './topic-reader.ts'
import { deadLetterTopic, sourceTopic } from '../client/topics.ts'

// A dead-letter topic holds dead letters and, after them, discard markers: Kafka cannot delete one record,
// so `hostly dlq discard` appends a marker (header DISCARDED = the letter's offset) to the letter's partition.
// Markers expire with the letters they discard (same topic, same retention).

export const DISCARDED = 'discarded-offset'
export const DISCARDED_AT = 'discarded-at'

/**
 * waiting: can be redriven. processed since: its group has processed the event since (a redrive, another copy).
 * no event id: written without an event-id header (kafkajs's producer in the original Hostly, say): no consumer
 * can ever process it, so it is never redriven; discard it. unknown: no database to say whether it was processed.
 */
export type LetterStatus = 'waiting' | 'processed since' | 'discarded' | 'no event id' | 'unknown'

export interface DeadLetter extends TopicRecord {
  /** A valid event id, lower case; undefined when the record has none (or one no consumer accepts). */
  eventId: string | undefined
  group: string
  status: LetterStatus
}

/** The dead-letter topic of a topic, given as itself or with its .retry / .dlq suffix. */
export const dlqOf = (topic: string) => deadLetterTopic(sourceTopic(topic))

/** Positions ("partition:offset") of the discarded letters of a dead-letter topic. Only markers are kept. */
export async function discardedPositions (brokers: string[], dlq: string): Promise<Set<string>> {
  const positions = new Set<string>()
  for await (const r of readTopic(brokers, dlq)) {
    if (r.headers[DISCARDED] !== undefined) positions.add(`${r.partition}:${r.headers[DISCARDED]}`)
  }
  return positions
}

/**
 * The dead letters of the topic, oldest first per partition, streamed: two passes over the dead-letter topic
 * (the markers, then the letters), with the database asked about `chunk` letters at a time. Without a
 * database (db undefined), whether a letter was processed since is 'unknown'.
 */
export async function * listDeadLetters (brokers: string[], db: Queryable | undefined, topic: string, chunk = 500): AsyncGenerator<DeadLetter> {
  const dlq = dlqOf(topic)
  const discarded = await discardedPositions(brokers, dlq)
  let batch: TopicRecord[] = []
  for await (const r of readTopic(brokers, dlq)) {
    if (r.headers[DISCARDED] !== undefined) continue
    batch.push(r)
    if (batch.length >= chunk) {
      yield * await withStatus(db, batch, discarded)
      batch = []
    }
  }
  yield * await withStatus(db, batch, discarded)
}

async function withStatus (db: Queryable | undefined, records: TopicRecord[], discarded: Set<string>): Promise<DeadLetter[]> {
  const letters = records.map(r => {
    const id = r.headers['event-id']
    return { ...r, eventId: id && UUID.test(id) ? id.toLowerCase() : undefined, group: r.headers[FAILURE_HEADERS.group] ?? '' }
  })
  const keyed = letters.filter(l => l.eventId !== undefined)
  const done = new Set<string>()
  if (db && keyed.length > 0) {
    // By (group, event id), the primary key: by event id alone it would scan every processed event.
    const { rows } = await db.query<{ consumer_group: string, event_id: string }>(
      `SELECT p.consumer_group, p.event_id::text FROM unnest($1::text[], $2::uuid[]) AS k(consumer_group, event_id)
         JOIN processed_events p USING (consumer_group, event_id)`, [keyed.map(l => l.group), keyed.map(l => l.eventId)])
    for (const r of rows) done.add(`${r.consumer_group} ${r.event_id}`)
  }
  return letters.map(l => ({
    ...l,
    status: discarded.has(`${l.partition}:${l.offset}`)
      ? 'discarded'
      : !l.eventId ? 'no event id' : !db ? 'unknown' : done.has(`${l.group} ${l.eventId}`) ? 'processed since' : 'waiting'
  }))
}
