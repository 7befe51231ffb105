import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { contextOf, inSpan, logFields, startSpan, traceparentOf, tracing, withContext } from '../../src/tracing/spans.ts'
import { startTracing } from '../../src/tracing/setup.ts'
import { loadConfig } from '../../src/config.ts'

// Tracing off (no exporter configured, the default) must cost next to nothing on every path: no span objects, no
// context, no header, and the API's global tracer left as its no-op.

test('without an exporter, startTracing does nothing: the global tracer stays the API\'s no-op and no span is made', async () => {
  const tracer = await startTracing(loadConfig({}), 'hostly')
  assert.equal(tracing(), false)
  const noop = trace.getTracer('hostly').startSpan('x')
  assert.equal(noop.isRecording(), false, 'the API\'s no-op tracer')
  assert.equal(trace.isSpanContextValid(noop.spanContext()), false)
  assert.equal(startSpan('x'), undefined)
  assert.equal(traceparentOf(), undefined)
  assert.deepEqual(logFields(), {})
  let given: unknown = 'unset'
  assert.equal(await inSpan('x', {}, async span => { given = span; return 7 }), 7)
  assert.equal(given, undefined, 'fn runs without a span')
  assert.equal(withContext(contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), () => trace.getActiveSpan()), undefined)
  assert.equal(contextOf(undefined), ROOT_CONTEXT)
  await tracer.stop()
})

test('with an exporter, spans are made, sampled by the ratio at the root and by the parent\'s flag below it', async () => {
  const tracer = await startTracing(loadConfig({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans', OTEL_TRACES_SAMPLER_ARG: '0' }), 'hostly')
  try {
    assert.equal(tracing(), true)
    const root = startSpan('root')!
    assert.equal(root.isRecording(), false, 'ratio 0: a new trace is not recorded')
    const sampledParent = contextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
    const child = startSpan('child', { parent: sampledParent })!
    assert.equal(child.isRecording(), true, 'a sampled parent is followed whatever the ratio')
    assert.equal(child.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
    const fields = await inSpan('inner', { parent: sampledParent }, async () => logFields())
    assert.equal(fields.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736')
    assert.match(await inSpan('inner', { parent: sampledParent }, async () => traceparentOf() ?? ''), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    root.end()
    child.end()
  } finally {
    await tracer.stop()
  }
  assert.equal(tracing(), false)
})
