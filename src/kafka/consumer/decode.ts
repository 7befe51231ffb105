import type { Message } from '@platformatic/kafka'

// Reading a record as an event of a known contract: its headers, its JSON, its payload schema. The contract
// (topic, version, schema) is the feature's (bookings/events.ts); this file knows none of it.

export interface DecodedEvent<P = unknown> {
  id: string
  topic: string
  payload: P
}

export type Decoded<P> = { ok: true, event: DecodedEvent<P> } | { ok: false, reason: string }

/** What a record offers a decoder: its value and headers. */
export type RecordLike = Pick<Message<string, string, string, string>, 'value' | 'headers'>

/** A decoder of one topic's records: the typed event, or why the record is unreadable (poison). */
export type Decoder<P> = (message: RecordLike) => Decoded<P>

/** A compiled schema (typebox's Validator fits): a type guard, and the errors of a value that fails it. */
export interface PayloadSchema<P> {
  Check (value: unknown): value is P
  Errors (value: unknown): Iterable<{ instancePath: string, message: string }>
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The decoder of the topic's events of this version, checked against the schema. */
export function eventDecoder<P> (topic: string, version: string, schema: PayloadSchema<P>): Decoder<P> {
  return message => {
    const id = message.headers.get('event-id')
    if (!id || !UUID.test(id)) return { ok: false, reason: 'missing or invalid event-id header' }
    const got = message.headers.get('event-version')
    if (got !== version) return { ok: false, reason: `unsupported event-version "${got}"` }
    let payload: unknown
    try {
      payload = JSON.parse(message.value)
    } catch {
      return { ok: false, reason: 'value is not valid JSON' }
    }
    if (!schema.Check(payload)) {
      const first = [...schema.Errors(payload)][0]
      return { ok: false, reason: `payload does not match the ${topic} schema: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim() }
    }
    return { ok: true, event: { id: id.toLowerCase(), topic, payload } }
  }
}
