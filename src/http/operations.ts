import type { FastifyPluginAsync } from 'fastify'
import type { Pool } from '../db/pool.ts'
import { pingKafka } from '../kafka/client.ts'

const within = <T>(ms: number, p: Promise<T>) => Promise.race([
  p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())
])

async function check (fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await within(2000, fn())
    return undefined
  } catch (err) {
    return (err as Error).message || String(err)
  }
}

export const operationsRoutes: FastifyPluginAsync<{ pool: Pool, kafkaBrokers: string[] }> = async (app, { pool, kafkaBrokers }) => {
  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: { tags: ['operations'] } }, async (request, reply) => {
    const [database, kafka] = await Promise.all([
      check(() => pool.query('SELECT 1')),
      kafkaBrokers.length > 0 ? check(() => pingKafka(kafkaBrokers)) : undefined
    ])
    const down = Object.entries({ database, kafka }).filter(([, error]) => error !== undefined)
    if (down.length === 0) return { status: 'ready' }
    // Which part is down, for the orchestrator and anyone; why (host names, addresses, driver messages) only
    // in the log, where operators read it.
    request.log.warn({ down: Object.fromEntries(down) }, 'not ready')
    return reply.status(503).send({
      code: 'NOT_READY',
      message: `Not ready: ${down.map(([name]) => name).join(' and ')} unavailable.`,
      down: Object.fromEntries(down.map(([name]) => [name, 'unavailable']))
    })
  })
}
