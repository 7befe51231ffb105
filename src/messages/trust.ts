import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import { PermanentEventError } from '../kafka/consumer/errors.ts'
import type { MessageSent } from './events.ts'

// As for bookings (notifications/trust.ts): an event is a signal, not the truth. Each message-sent is checked
// against the database before anyone is told or e-mailed: the outbox holds its event id for this topic and thread
// with this very payload, and the message exists, in that thread, from that sender, to the thread's other party.
// A contradiction can never be fixed by retrying: refused with an UntrustedMessage (a PermanentEventError),
// dead-lettered at once.

export class UntrustedMessage extends PermanentEventError {
  static readonly code = 'HOSTLY_UNTRUSTED_MESSAGE'
  constructor (reason: string) { super(UntrustedMessage.code, reason) }
}

/** What the database says about a message-sent event: its thread's parties and property come from here. */
export interface MessageFacts {
  event_id: string
  topic: string | null
  key: string | null
  payload: string | null
  message_id: number | null
  thread_id: number
  sender_id: number
  traveler_id: number
  owner_id: number
  property_id: number
  property: string
}

async function lookUp (tx: Client, events: Array<DecodedEvent<MessageSent>>): Promise<MessageFacts[]> {
  const { rows } = await tx.query({
    name: 'message-facts',
    text: `SELECT e.event_id::text, o.topic, o.key, o.payload, m.id AS message_id, m.thread_id, m.sender_id,
                  t.traveler_id, t.owner_id, t.property_id, p.name AS property
             FROM unnest($1::uuid[], $2::bigint[]) WITH ORDINALITY AS e(event_id, message_id, n)
             LEFT JOIN outbox o ON o.event_id = e.event_id
             LEFT JOIN messages m ON m.id = e.message_id
             LEFT JOIN threads t ON t.id = m.thread_id
             LEFT JOIN properties p ON p.id = t.property_id
            ORDER BY e.n`,
    values: [events.map(e => e.id), events.map(e => e.payload.id)]
  })
  return rows
}

/** Why the event cannot be believed, or undefined when the database agrees with it. */
export function contradiction (event: DecodedEvent<MessageSent>, f: MessageFacts): string | undefined {
  const p = event.payload
  if (f.topic === null) return `event ${event.id} was never recorded by Hostly (not in the outbox, or older than its retention)`
  if (f.topic !== event.topic || f.key !== String(p.thread_id)) {
    return `event ${event.id} was recorded for ${f.topic} thread ${f.key}, not ${event.topic} thread ${p.thread_id}`
  }
  if (f.message_id === null) return `message ${p.id} does not exist`
  if (f.thread_id !== p.thread_id || f.sender_id !== p.sender_id) return `message ${p.id} is not thread ${p.thread_id}'s from user ${p.sender_id}`
  const other = f.sender_id === f.traveler_id ? f.owner_id : f.traveler_id
  if (p.recipient_id !== other) return `user ${p.recipient_id} is not the other party of thread ${p.thread_id}`
  const recorded = JSON.parse(f.payload!) as Record<string, unknown>
  const changed = Object.keys(recorded).find(k => (p as Record<string, unknown>)[k] !== recorded[k])
  if (changed) return `${changed} differs from what Hostly recorded for event ${event.id}`
  return undefined
}

/** The events of a batch, each checked against the database; the first untrusted one fails the batch. */
export async function believeMessages (tx: Client, events: Array<DecodedEvent<MessageSent>>): Promise<MessageFacts[]> {
  const facts = await lookUp(tx, events)
  return events.map((e, i) => {
    const reason = contradiction(e, facts[i])
    if (reason) throw new UntrustedMessage(reason)
    return facts[i]
  })
}
