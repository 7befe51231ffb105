import type { SpanExporter } from '@opentelemetry/sdk-trace-node'
import type { Config } from '../config.ts'
import { setTracing, tracing } from './spans.ts'

export type TracingSettings = Pick<Config, 'otelZipkinEndpoint' | 'otelOtlpEndpoint' | 'otelSamplerRatio' | 'otelServiceName'>

export interface Tracing {
  /** Exports what is left, then turns tracing off again. */
  stop (): Promise<void>
}

const NOTHING: Tracing = { stop: async () => {} }

/** The exporters configured: Zipkin, OTLP over HTTP (its traces path under the endpoint, as the OTLP spec says), or both. */
async function exporters (s: TracingSettings): Promise<SpanExporter[]> {
  const list: SpanExporter[] = []
  if (s.otelZipkinEndpoint) list.push(new (await import('@opentelemetry/exporter-zipkin')).ZipkinExporter({ url: s.otelZipkinEndpoint }))
  if (s.otelOtlpEndpoint) {
    list.push(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: `${s.otelOtlpEndpoint.replace(/\/$/, '')}/v1/traces` }))
  }
  return list
}

/**
 * Starts tracing for this process when an exporter is configured (OTEL_EXPORTER_ZIPKIN_ENDPOINT,
 * OTEL_EXPORTER_OTLP_ENDPOINT); otherwise does nothing at all, and the API's global tracer stays its no-op.
 * Sampling is decided where a trace starts (OTEL_TRACES_SAMPLER_ARG, a ratio) and followed by every piece the
 * trace reaches, through the sampled flag of its traceparent. One process, one tracer provider: a second call
 * while tracing is on (two stacks in one test process) leaves the first in place. The SDK and the exporters are
 * loaded only then: a process that does not trace keeps them out of its memory.
 */
export async function startTracing (s: TracingSettings, defaultServiceName: string): Promise<Tracing> {
  if ((!s.otelZipkinEndpoint && !s.otelOtlpEndpoint) || tracing()) return NOTHING
  const list = await exporters(s)
  const [{ context, propagation, trace }, { W3CTraceContextPropagator }, { resourceFromAttributes }, sdk, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/api'), import('@opentelemetry/core'), import('@opentelemetry/resources'), import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions')
  ])
  const { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk
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
