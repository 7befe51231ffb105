import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Metrics } from './registry.ts'

/** Prometheus's text exposition format, version 0.0.4 (prom-client's contentType). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * The onResponse hook that times every request: one histogram observation, nothing else on the hot path.
 * The route label is the route's template (/api/bookings/:id), never the URL: requests no route matched
 * share the label "unmatched", so a scan of random paths cannot grow the series.
 */
export function observeRequests (metrics: Metrics) {
  return async function onResponse (request: FastifyRequest, reply: FastifyReply) {
    metrics.http.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000
    )
  }
}
