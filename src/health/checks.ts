import type { Pool } from '../db/pool.ts'
import { errorBody } from '../errors.ts'

// /healthz and /readyz, decided here once; the API's PORT (http/operations.ts) and every process's METRICS_PORT
// (metrics/server.ts) only serve these answers.

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
    // Loaded only by processes that use Kafka: the API's /readyz never asks it, and the client is tens of MiB.
    kafkaBrokers.length > 0 ? check(async () => (await import('../kafka/client/clients.ts')).pingKafka(kafkaBrokers)) : undefined
  ])
  return Object.fromEntries(Object.entries({ database, kafka }).filter((e): e is [string, string] => e[1] !== undefined))
}

/** /healthz: the process runs. */
export const HEALTHY = { status: 'ok' } as const

export type Readiness =
  | { status: 200, body: { status: 'ready' } }
  | { status: 503, body: ReturnType<typeof errorBody> & { down: Record<string, 'unavailable'> } }

/**
 * /readyz. Which part is down, for the orchestrator and anyone; why (host names, addresses, driver messages) only
 * in the log, where operators read it.
 */
export async function readiness (pool: Pool, kafkaBrokers: string[], log: { warn (o: object, m: string): void }): Promise<Readiness> {
  const down = await whatIsDown(pool, kafkaBrokers)
  const names = Object.keys(down)
  if (names.length === 0) return { status: 200, body: { status: 'ready' } }
  log.warn({ down }, 'not ready')
  return {
    status: 503,
    body: { ...errorBody('NOT_READY', { down: names.join(' and ') }), down: Object.fromEntries(names.map(n => [n, 'unavailable' as const])) }
  }
}
