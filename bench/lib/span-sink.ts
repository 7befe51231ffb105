import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Cleanup } from './cleanup.ts'

/**
 * A Zipkin span endpoint that takes every POST and keeps only counts: where `npm run bench -- --traces <ratio>`
 * has Hostly export its spans. Hostly pays everything of tracing (spans, context, headers, the exporter's JSON and
 * HTTP) while no Zipkin JVM takes CPU from the machine being measured.
 */
export async function startSpanSink () {
  let posts = 0
  let bytes = 0
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => { bytes += chunk.length })
    req.on('end', () => { posts++; res.writeHead(202).end() })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/v2/spans`,
    received: () => ({ posts, bytes }),
    stop: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}

/**
 * The environment that has a Hostly trace, sampling `ratio` of new traces, into a span sink of its own (stopped by
 * cleanup, which logs what it received when given log); none when ratio is undefined (tracing off).
 */
export async function tracesEnv (ratio: string | undefined, cleanup: Cleanup, log?: (line: string) => void): Promise<Record<string, string>> {
  if (ratio === undefined) return {}
  const sink = await startSpanSink()
  cleanup.add('stop a span sink', async () => {
    log?.(`span sink: ${JSON.stringify(sink.received())}`)
    await sink.stop()
  })
  log?.(`tracing on, ratio ${ratio}, spans to ${sink.url}`)
  return { OTEL_EXPORTER_ZIPKIN_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_ARG: ratio }
}
