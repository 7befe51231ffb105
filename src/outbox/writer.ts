import { randomUUID } from 'node:crypto'
import type { Client } from '../db/pool.ts'
import type { OutgoingEvent } from '../bookings/events.ts'

/** The channel the relay LISTENs on; a NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = 'hostly_outbox'

/**
 * Records events in the outbox inside the caller's transaction: they exist if and only if the change
 * that caused them commits. Rows are inserted in the order given, which is the order they are published in.
 */
export async function enqueue (tx: Client, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return
  const ids = events.map(() => randomUUID())
  await tx.query(
    `INSERT INTO outbox (event_id, topic, key, payload)
     SELECT event_id, topic, key, payload FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(event_id, topic, key, payload, n)
     ORDER BY n`,
    [ids, events.map(e => e.topic), events.map(e => e.key), events.map(e => JSON.stringify(e.payload))])
  await tx.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`)
}
