import type { Queryable } from '../../db/pool.ts'
import { createProducer } from '../client/clients.ts'
import { DISCARDED, DISCARDED_AT, dlqOf, listDeadLetters, type DeadLetter } from './dlq.ts'
import { FAILURE_HEADERS } from '../consumer/failures.ts'
import { retryTopic, sourceTopic } from '../client/topics.ts'

const SEND_BATCH = 500

export interface Redriven {
  /** "partition:offset" and event id of each letter sent back. */
  sent: Array<{ at: string, eventId: string }>
  /** Letters left alone because they have no event id (no consumer can process them: discard them). */
  withoutEventId: number
}

/**
 * Sends the waiting dead letters (or those of one event) back to their group, through the retry lane at once
 * and with all its rounds again: one copy per (group, event), however many copies the dead-letter topic holds.
 * A letter without an event id is never sent: it would only fail again and come back as one more copy.
 * The retry lane's idempotent consumer processes each event at most once in effect, however often it is redriven.
 */
export async function redrive (brokers: string[], db: Queryable, topic: string, eventId?: string): Promise<Redriven> {
  const result: Redriven = { sent: [], withoutEventId: 0 }
  const seen = new Set<string>()
  const producer = createProducer(brokers, 'hostly-redrive')
  let batch: DeadLetter[] = []
  const flush = async () => {
    if (batch.length === 0) return
    await producer.send({
      messages: batch.map(l => ({
        topic: retryTopic(sourceTopic(topic)),
        key: l.key,
        value: l.value,
        headers: { ...l.headers, [FAILURE_HEADERS.retryRound]: '0', [FAILURE_HEADERS.retryAt]: new Date().toISOString(), [FAILURE_HEADERS.attempts]: '0' }
      }))
    })
    result.sent.push(...batch.map(l => ({ at: `${l.partition}:${l.offset}`, eventId: l.eventId! })))
    batch = []
  }
  try {
    for await (const l of listDeadLetters(brokers, db, topic)) {
      if (l.status === 'no event id' && !eventId) result.withoutEventId++
      if (l.status !== 'waiting' || (eventId && l.eventId !== eventId.toLowerCase())) continue
      if (seen.has(`${l.group} ${l.eventId}`)) continue
      seen.add(`${l.group} ${l.eventId}`)
      batch.push(l)
      if (batch.length >= SEND_BATCH) await flush()
    }
    await flush()
  } finally {
    await producer.close()
  }
  return result
}

export type Target = { partition: number, offset: bigint } | { eventId: string }

/**
 * Marks dead letters as discarded: the one at a position, or every copy of an event. They stay listed (as
 * discarded) until Kafka's retention removes them, and are never redriven. Returns the letters it marked now;
 * letters discarded before are not marked twice.
 */
export async function discard (brokers: string[], topic: string, target: Target): Promise<DeadLetter[]> {
  const matches = (l: DeadLetter) => 'eventId' in target
    ? l.eventId === target.eventId.toLowerCase()
    : l.partition === target.partition && l.offset === target.offset
  const marked: DeadLetter[] = []
  for await (const l of listDeadLetters(brokers, undefined, topic)) {
    if (l.status !== 'discarded' && matches(l)) marked.push(l)
  }
  if (marked.length === 0) return marked
  const producer = createProducer(brokers, 'hostly-discard')
  try {
    const at = new Date().toISOString()
    for (let i = 0; i < marked.length; i += SEND_BATCH) {
      await producer.send({
        messages: marked.slice(i, i + SEND_BATCH).map(l => ({
          topic: dlqOf(topic), partition: l.partition, value: '', headers: { [DISCARDED]: String(l.offset), [DISCARDED_AT]: at }
        }))
      })
    }
  } finally {
    await producer.close()
  }
  return marked
}
