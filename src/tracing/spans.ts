import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api'

// Traces (OpenTelemetry, W3C trace context) for the pieces of Hostly: only the API of @opentelemetry/api here;
// tracing/setup.ts starts the SDK when an exporter is configured. While tracing is off (the default) every helper
// returns at its first line: no span, no context, no header is made, and the API's global tracer stays its no-op.

export { SpanKind, type Context, type Span } from '@opentelemetry/api'

let on = false

/** Whether spans are made and exported (tracing/setup.ts turns it on). */
export const tracing = () => on

/** For tracing/setup.ts only. */
export function setTracing (value: boolean) { on = value }

const tracer = () => trace.getTracer('hostly')

/** The W3C traceparent of the active span (or of ctx): what travels with an event. Undefined while tracing is off. */
export function traceparentOf (ctx?: Context): string | undefined {
  if (!on) return undefined
  const carrier: Record<string, string> = {}
  propagation.inject(ctx ?? context.active(), carrier)
  return carrier.traceparent
}

/** The context a traceparent (from a header, an outbox row, a NOTIFY) continues; without one, a new trace. */
export function contextOf (traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT
  return propagation.extract(ROOT_CONTEXT, { traceparent })
}

export interface SpanOptions {
  kind?: SpanKind
  attributes?: Attributes
  /** The parent; by default the active context. */
  parent?: Context
}

/** A span the caller ends; undefined while tracing is off. */
export function startSpan (name: string, opts: SpanOptions = {}): Span | undefined {
  if (!on) return undefined
  return tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active())
}

/** The context in which span is the parent of what follows (with its parent's context as the base). */
export const contextWith = (span: Span, parent?: Context) => trace.setSpan(parent ?? context.active(), span)

/** Ends a span, as failed when err is given (its class as error.type, its message as the status). */
export function endSpan (span: Span | undefined, err?: unknown) {
  if (!span) return
  if (err !== undefined) {
    const e = err as Error
    span.setAttribute('error.type', e?.constructor?.name ?? 'Error')
    span.setStatus({ code: SpanStatusCode.ERROR, message: e?.message ?? String(err) })
  }
  span.end()
}

/**
 * Runs fn in a span of its own, active meanwhile (so spans and logs inside are its children), ended when fn
 * settles. While tracing is off, fn alone.
 */
export async function inSpan<T> (name: string, opts: SpanOptions, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!on) return fn()
  const span = startSpan(name, opts)!
  try {
    const result = await context.with(contextWith(span, opts.parent), fn, undefined, span)
    endSpan(span)
    return result
  } catch (err) {
    endSpan(span, err)
    throw err
  }
}

/** Runs fn with ctx active (logs and spans inside belong to it); fn alone while tracing is off or without ctx. */
export function withContext<T> (ctx: Context | undefined, fn: () => T): T {
  if (!on || !ctx) return fn()
  return context.with(ctx, fn)
}

/**
 * The trace and span ids of the active span, for every log line written under it (log.ts, pino's mixin); none while
 * off. A new object each time: pino merges the line's fields into it.
 */
export function logFields (): { trace_id?: string, span_id?: string, trace_flags?: string } {
  if (!on) return {}
  const span = trace.getSpan(context.active())
  if (!span) return {}
  const { traceId, spanId, traceFlags } = span.spanContext()
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` }
}
