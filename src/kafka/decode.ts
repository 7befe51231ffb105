import type { Message } from '@platformatic/kafka'

export interface DecodedEvent {
  id: string
  topic: string
  payload: Record<string, unknown>
}

export type Decoded = { ok: true, event: DecodedEvent } | { ok: false, reason: string }

/** A compiled payload schema (typebox's Compile gives one). */
export interface PayloadCheck {
  Check (value: unknown): boolean
  Errors (value: unknown): Iterable<{ instancePath: string, message: string }>
}

/**
 * What a consumer accepts on its topic: the event-version header and the payload schema. Given by the feature that
 * owns the topic (services from bookings/events.ts), so kafka/ knows no topic's contract.
 */
export interface EventContract {
  version: string
  payload: PayloadCheck
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks a record against the event contract of `topic` (its own topic, or the one it was retried from):
 * headers, JSON, and the payload schema.
 */
export function decodeEvent (message: Pick<Message<string, string, string, string>, 'value' | 'headers'>, topic: string, contract: EventContract): Decoded {
  const id = message.headers.get('event-id')
  if (!id || !UUID.test(id)) return { ok: false, reason: 'missing or invalid event-id header' }
  const version = message.headers.get('event-version')
  if (version !== contract.version) return { ok: false, reason: `unsupported event-version "${version}"` }
  let payload: unknown
  try {
    payload = JSON.parse(message.value)
  } catch {
    return { ok: false, reason: 'value is not valid JSON' }
  }
  const validator = contract.payload
  if (!validator.Check(payload)) {
    const first = [...validator.Errors(payload)][0]
    return { ok: false, reason: `payload does not match the ${topic} schema: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim() }
  }
  return { ok: true, event: { id: id.toLowerCase(), topic, payload: payload as Record<string, unknown> } }
}
