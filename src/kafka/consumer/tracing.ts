import { contextOf, contextWith, endSpan, SpanKind, startSpan, tracing, type Context, type Span } from '../../tracing/spans.ts'
import type { DecodedEvent } from './decode.ts'
import type { KafkaMessage } from './failures.ts'

// A span per event a consumer processes (tracing on), for every group and topic alike: the runner makes them, the
// handlers need not know. Each is a child of the send span of the record's traceparent header (the relay's), so one
// booking's request, publish and processing are one trace; a retried or dead-lettered record keeps the header.

const contexts = new WeakMap<object, Context>()

/**
 * The context of the span processing this event (tracing on): the parent for what a handler does for the event
 * outside the batch's transaction, such as sending an e-mail (inSpan(…, { parent: eventContext(event) })).
 */
export const eventContext = (event: DecodedEvent<unknown>): Context | undefined => contexts.get(event)

/** The spans of one attempt at these events (messages[i] carried events[i]); none while tracing is off. */
export function processSpans (group: string, events: Array<DecodedEvent<unknown>>, messages: KafkaMessage[]): Span[] | undefined {
  if (!tracing()) return undefined
  return events.map((event, i) => {
    const message = messages[i]
    const parent = contextOf(message.headers.get('traceparent'))
    const span = startSpan(`process ${event.topic}`, {
      kind: SpanKind.CONSUMER,
      parent,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.consumer.group.name': group,
        'messaging.message.id': event.id,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': Number(message.offset)
      }
    })!
    contexts.set(event, contextWith(span, parent))
    return span
  })
}

/** Ends the spans: failed with err, or each marked as a duplicate (its effect had been applied before) or not. */
export function endProcessSpans (spans: Span[] | undefined, outcome: { err: unknown } | { duplicate: boolean[] }) {
  if (!spans) return
  spans.forEach((span, i) => {
    if ('err' in outcome) return endSpan(span, outcome.err)
    span.setAttribute('hostly.event.duplicate', outcome.duplicate[i])
    endSpan(span)
  })
}
