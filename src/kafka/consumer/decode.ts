import { createRequire } from 'node:module'
import type { Message } from '@platformatic/kafka'
import type { Static, TSchema } from 'typebox'
import type { Compile } from 'typebox/compile'

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
interface PayloadSchema<P> {
  Check (value: unknown): value is P
  Errors (value: unknown): Iterable<{ instancePath: string, message: string }>
}

// typebox's compiler, loaded when a process first reads a record: the API, which builds events but reads none,
// never carries it (5 MiB of its memory; BENCHMARKS.md, stop 36).
const require = createRequire(import.meta.url)
let compile: typeof Compile | undefined
const compiled = <P>(schema: TSchema) => (compile ??= (require('typebox/compile') as { Compile: typeof Compile }).Compile)(schema) as PayloadSchema<P>

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The decoder of the topic's events of this version, checked against the schema (compiled at its first record). */
export function eventDecoder<S extends TSchema> (topic: string, version: string, payloadSchema: S): Decoder<Static<S>> {
  let schema: PayloadSchema<Static<S>> | undefined
  return message => {
    schema ??= compiled<Static<S>>(payloadSchema)
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
