import { setTimeout as sleep } from 'node:timers/promises'

/** Polls fn until it returns a truthy value, or fails after timeoutMs with what it last returned. */
export async function waitFor<T> (what: string, fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await fn()
    if (last) return last as NonNullable<T>
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`)
}

/** A stay of `nights` nights starting `inDays` days from today (UTC), as YYYY-MM-DD strings. */
export function stay (inDays: number, nights = 3) {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
  return { start_date: day(inDays), end_date: day(inDays + nights) }
}
