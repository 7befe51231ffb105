import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { HEALTHY, readiness } from '../health/checks.ts'

const NotReady = Type.Object({
  code: Type.Literal('NOT_READY'),
  message: Type.String(),
  down: Type.Record(Type.String(), Type.String(), { description: 'each part that is down (database, kafka), with why' })
}, { description: 'Not ready: a part this process needs is down' })

// /metrics is not here: it is served on METRICS_PORT (metrics/server.ts), a port the Ingress does not route to.
export const operationsRoutes: FastifyPluginAsync<{ pool: Pool, kafkaBrokers: string[] }> = async (app, { pool, kafkaBrokers }) => {
  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      operationId: 'getHealth',
      summary: '200 while the process runs',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) }
    }
  }, async () => HEALTHY)

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: '200 when what this process needs answers; 503 naming what is down',
      response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: NotReady }
    }
  }, async (request, reply) => {
    const { status, body } = await readiness(pool, kafkaBrokers, request.log)
    return reply.status(status).send(body)
  })
}
