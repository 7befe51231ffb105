import { context, propagation, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanExporter } from '@opentelemetry/sdk-trace-node'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { Config } from '../config.ts'
import { setTracing, tracing } from './spans.ts'

export type TracingSettings = Pick<Config, 'otelZipkinEndpoint' | 'otelOtlpEndpoint' | 'otelSamplerRatio' | 'otelServiceName'>

export interface Tracing {
  /** Exports what is left, then turns tracing off again. */
  stop (): Promise<void>
}

const NOTHING: Tracing = { stop: async () => {} }

/** The exporters configured: Zipkin, OTLP over HTTP (its traces path under the endpoint, as the OTLP spec says), or both. */
function exporters (s: TracingSettings): SpanExporter[] {
  const list: SpanExporter[] = []
  if (s.otelZipkinEndpoint) list.push(new ZipkinExporter({ url: s.otelZipkinEndpoint }))
  if (s.otelOtlpEndpoint) list.push(new OTLPTraceExporter({ url: `${s.otelOtlpEndpoint.replace(/\/$/, '')}/v1/traces` }))
  return list
}

/**
 * Starts tracing for this process when an exporter is configured (OTEL_EXPORTER_ZIPKIN_ENDPOINT,
 * OTEL_EXPORTER_OTLP_ENDPOINT); otherwise does nothing at all, and the API's global tracer stays its no-op.
 * Sampling is decided where a trace starts (OTEL_TRACES_SAMPLER_ARG, a ratio) and followed by every piece the
 * trace reaches, through the sampled flag of its traceparent. One process, one tracer provider: a second call
 * while tracing is on (two stacks in one test process) leaves the first in place.
 */
export function startTracing (s: TracingSettings, defaultServiceName: string): Tracing {
  const list = exporters(s)
  if (list.length === 0 || tracing()) return NOTHING
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: s.otelServiceName || defaultServiceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.otelSamplerRatio) }),
    spanProcessors: list.map(e => new BatchSpanProcessor(e))
  })
  // The async-local-storage context manager (what is active follows awaits) and W3C trace context alone, no baggage.
  provider.register({ propagator: new W3CTraceContextPropagator() })
  setTracing(true)
  return {
    async stop () {
      setTracing(false)
      await provider.shutdown().catch(() => {})
      trace.disable()
      propagation.disable()
      context.disable()
    }
  }
}
