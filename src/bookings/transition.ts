import type { QueryConfig } from 'pg'
import { transaction, type Client, type Pool, type Queryable } from '../db/pool.ts'
import { wakeRelay } from '../outbox/wake.ts'

/** A row a transition's stored function answers: outcome first, then what it says more, then the changed row. */
export type Outcome = { outcome: string } & Record<string, any>

/**
 * What else a change writes, in its transaction, once the stored function has made it (a message with it: the
 * assembly gives the messages feature's). It may refuse (throw): the change is then rolled back with it.
 */
export type AlongWith = (tx: Client, changed: { id: number }) => Promise<void>

/** One transition of booking.sql, as service.ts and blocks.ts call it. */
export interface Transition {
  /** The statement that calls the stored function, one round trip (named: each connection prepares it once). */
  query: QueryConfig
  /** The error of each outcome that refuses, made from the row (bound, current_status…); the function wrote nothing. */
  refusals: Record<string, (r: Outcome) => Error>
  /** The columns that say more about the outcome, left out of the answer with it. */
  details?: readonly string[]
  /** Whether the change wrote events, so the relay has something to publish (by default it always does). */
  wroteEvents?: (r: Outcome) => boolean
}

/**
 * Runs a transition the one way every caller does: the stored function (which locks, checks, changes and writes its
 * events, in booking.sql), on the pool, or, with something to write along with it, in a transaction with that; a
 * refusing outcome becomes its error; after the commit, the relay is woken. Returns the changed row (as the
 * route's reply schema describes it: the caller says its type).
 */
export async function runTransition<Changed = any> (pool: Pool, t: Transition, along?: AlongWith): Promise<Changed> {
  const call = async (db: Queryable) => {
    const { rows: [r] } = await db.query<Outcome>(t.query)
    const refusal = t.refusals[r.outcome]
    if (refusal) throw refusal(r)
    return r
  }
  const r = along ? await transaction(pool, async tx => { const r = await call(tx); await along(tx, r as Outcome & { id: number }); return r }) : await call(pool)
  if (t.wroteEvents?.(r) ?? true) wakeRelay(pool)
  const { outcome: _, ...changed } = r
  for (const k of t.details ?? []) delete changed[k]
  return changed as Changed
}
