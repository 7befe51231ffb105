import { setTimeout as sleep } from 'node:timers/promises'
import type { Queryable } from '../../src/db/pool.ts'
import { DeadlineExceeded, withDeadline } from '../../src/timing.ts'

/** waitFor's failure: the condition did not hold in time (an error the check itself threw is passed on as it is). */
export class WaitTimeout extends Error {}

/**
 * Polls fn until it returns a truthy value, or fails after timeoutMs with what it last returned. A check that does
 * not settle is cut off at the deadline too: a wait never outlives its timeout.
 */
export async function waitFor<T> (what: string, fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  const timedOut = (last: string) => new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`)
  const check = `a check for ${what}`
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await withDeadline(Promise.resolve(fn()), Math.max(1, deadline - Date.now()), check).catch(err => {
      // Only this wait's own cut-off is a timeout; whatever the check threw, even late, is passed on as it is.
      if (err instanceof DeadlineExceeded && err.what === check) throw timedOut(`its last check had not answered: ${err.message}`)
      throw err
    })
    if (last) return last as NonNullable<T>
    await sleep(everyMs)
  }
  throw timedOut(`last: ${JSON.stringify(last)}`)
}

/** Until the backend with this pid waits for a lock (asked through db, another connection). */
export const waitingForLock = (db: Queryable, pid: number) => waitFor(`backend ${pid} waiting for a lock`, async () =>
  (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid])).rowCount)

/** A stay of `nights` nights starting `inDays` days from today (UTC), as YYYY-MM-DD strings. */
export function stay (inDays: number, nights = 3) {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
  return { start_date: day(inDays), end_date: day(inDays + nights) }
}
