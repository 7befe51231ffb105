import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { Pool } from '../db/pool.ts'
import { ERRORS, errorBody } from '../errors.ts'
import { pingKafka } from '../kafka/client/clients.ts'

const NotReady = Type.Object({
  code: Type.Literal('NOT_READY'),
  message: Type.String(),
  down: Type.Record(Type.String(), Type.String(), { description: 'each part that is down (database, kafka), with why' })
}, { description: 'Not ready: a part this process needs is down' })

const within = <T>(ms: number, p: Promise<T>) => Promise.race([
  p, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())
])

async function check (fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await within(2000, fn())
    return undefined
  } catch (err) {
    return (err as Error).message || String(err)
  }
}

/** Each part this process needs (the database; Kafka when brokers are given) that does not answer, with why. */
export async function whatIsDown (pool: Pool, kafkaBrokers: string[]): Promise<Record<string, string>> {
  const [database, kafka] = await Promise.all([
    check(() => pool.query('SELECT 1')),
    kafkaBrokers.length > 0 ? check(() => pingKafka(kafkaBrokers)) : undefined
  ])
  return Object.fromEntries(Object.entries({ database, kafka }).filter((e): e is [string, string] => e[1] !== undefined))
}

// /metrics is not here: it is served on METRICS_PORT (metrics/server.ts), a port the Ingress does not route to.
export const operationsRoutes: FastifyPluginAsync<{ pool: Pool, kafkaBrokers: string[] }> = async (app, { pool, kafkaBrokers }) => {
  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      operationId: 'getHealth',
      summary: '200 while the process runs',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) }
    }
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: '200 when what this process needs answers; 503 naming what is down',
      response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: NotReady }
    }
  }, async (request, reply) => {
    const down = Object.entries(await whatIsDown(pool, kafkaBrokers))
    if (down.length === 0) return { status: 'ready' }
    // Which part is down, for the orchestrator and anyone; why (host names, addresses, driver messages) only
    // in the log, where operators read it.
    request.log.warn({ down: Object.fromEntries(down) }, 'not ready')
    return reply.status(ERRORS.NOT_READY.status).send({
      ...errorBody('NOT_READY', { down: down.map(([name]) => name).join(' and ') }),
      down: Object.fromEntries(down.map(([name]) => [name, 'unavailable']))
    })
  })
}
