import type { Message } from '@platformatic/kafka'
import { EVENT_VERSION, payloadValidators } from '../bookings/events.ts'

export interface DecodedEvent {
  id: string
  topic: string
  payload: Record<string, unknown>
}

export type Decoded = { ok: true, event: DecodedEvent } | { ok: false, reason: string }

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks a record against the event contract of `topic` (its own topic, or the one it was retried from):
 * headers, JSON, and the payload schema.
 */
export function decodeEvent (message: Pick<Message<string, string, string, string>, 'value' | 'headers'>, topic: string): Decoded {
  const id = message.headers.get('event-id')
  if (!id || !UUID.test(id)) return { ok: false, reason: 'missing or invalid event-id header' }
  const version = message.headers.get('event-version')
  if (version !== EVENT_VERSION) return { ok: false, reason: `unsupported event-version "${version}"` }
  let payload: unknown
  try {
    payload = JSON.parse(message.value)
  } catch {
    return { ok: false, reason: 'value is not valid JSON' }
  }
  const validator = payloadValidators[topic as keyof typeof payloadValidators]
  if (!validator) return { ok: false, reason: `no schema for topic ${topic}` }
  if (!validator.Check(payload)) {
    const first = [...validator.Errors(payload)][0]
    return { ok: false, reason: `payload does not match the ${topic} schema: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim() }
  }
  return { ok: true, event: { id: id.toLowerCase(), topic, payload: payload as Record<string, unknown> } }
}
