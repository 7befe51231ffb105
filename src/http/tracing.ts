import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { contextOf, contextWith, endSpan, SpanKind, startSpan, withContext, type Context, type Span } from '../tracing/spans.ts'

// OpenTelemetry's stable HTTP attribute names (semantic conventions 1.x), written out: the package's index is
// 330 KiB of source that every API process would load for these five strings. test/traces.test.ts reads them in Zipkin.
const ATTR_HTTP_REQUEST_METHOD = 'http.request.method'
const ATTR_HTTP_ROUTE = 'http.route'
const ATTR_URL_PATH = 'url.path'
const ATTR_CLIENT_ADDRESS = 'client.address'
const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code'

const spans = new WeakMap<FastifyRequest, { span: Span, ctx: Context }>()

/** Traced: the API's requests; not the web app's files, the probes, nor the live socket (a span as long as a tab is open). */
const traced = (request: FastifyRequest) => request.url.startsWith('/api/') && request.headers.upgrade === undefined

function begin (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  if (!traced(request)) return done()
  const route = request.routeOptions.url ?? 'unmatched'
  // A caller's own traceparent (a proxy, a client that traces) makes this request part of its trace.
  const parent = contextOf(request.headers.traceparent as string | undefined)
  const span = startSpan(`${request.method} ${route}`, {
    kind: SpanKind.SERVER,
    parent,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_URL_PATH]: request.url.split('?')[0],
      [ATTR_CLIENT_ADDRESS]: request.ip
    }
  })!
  const ctx = contextWith(span, parent)
  spans.set(request, { span, ctx })
  enter(request, _reply, done)
}

/**
 * Makes the request's span the active one for what follows: the rest of the hooks, the handler, their logs and the
 * outbox rows they write. Entered again before the handler, because reading the body runs in the socket's context.
 */
function enter (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  const entry = spans.get(request)
  if (!entry) return done()
  withContext(entry.ctx, done)
}

function end (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
  const entry = spans.get(request)
  if (entry) {
    spans.delete(request)
    entry.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode)
    endSpan(entry.span, reply.statusCode >= 500 ? new Error(`HTTP ${reply.statusCode}`) : undefined)
  }
  done()
}

function aborted (request: FastifyRequest, done: HookHandlerDoneFunction) {
  const entry = spans.get(request)
  if (entry) {
    spans.delete(request)
    endSpan(entry.span, new Error('request aborted by the client'))
  }
  done()
}

/**
 * A server span per API request (`POST /api/bookings`), continuing the caller's traceparent when it sends one.
 * Added only while tracing is on: off, the server has no hook for it.
 */
export function traceRequests (app: FastifyInstance) {
  app.addHook('onRequest', begin)
  app.addHook('preHandler', enter)
  app.addHook('onResponse', end)
  app.addHook('onRequestAbort', aborted)
}
