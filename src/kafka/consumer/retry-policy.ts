import { DatabaseRetryableError } from '../../db/errors.ts'
import { Backoff } from '../../timing.ts'
import { isKafkaRetryable } from '../client/errors.ts'
import { PermanentEventError } from './errors.ts'
import type { Failure } from './failures.ts'
import type { Lifecycle } from './lifecycle.ts'

// How long a consumer keeps at an event that fails, and where the event goes after. Whether an error is
// worth retrying was decided where it entered: the db wrapper (db/errors.ts) and Kafka's client (client/errors.ts).

/** Try again as it is, uncounted: the database or Kafka is away, or asked for the work again. */
const isRetryable = (err: unknown) => err instanceof DatabaseRetryableError || isKafkaRetryable(err)
/** The handler said this event can never succeed (a PermanentEventError, spec.ts). */
const isPermanent = (err: unknown) => err instanceof PermanentEventError

export interface FailurePolicy {
  /** Attempts in place (quick backoff) before the event leaves its partition for the retry topic. */
  handlerAttempts: number
  /** Rounds through T.retry before T.dlq. */
  retryRounds: number
  /** Wait in T.retry before the next round, ms. */
  retryDelayMs: number
}

/** A failed event: permanent when its error was a PermanentEventError (it can never succeed). */
export interface Outcome extends Failure { permanent: boolean }

/** The failure as the retry and dead-letter headers tell it. A permanent one's reason is its message alone. */
function outcome (err: unknown, attempts: number, permanent: boolean): Outcome {
  const e = err as Error & { code?: unknown }
  const code = typeof e.code === 'string' && !permanent ? `${e.code}: ` : ''
  return { errorClass: e?.constructor?.name ?? 'Error', message: `${code}${e?.message ?? String(err)}`, attempts, permanent }
}

/**
 * Tries fn in place until it succeeds; returns undefined then. The database being away is no fault of the event:
 * that waits as long as it takes, uncounted. A PermanentEventError ends it at once; any other counts,
 * and after policy.handlerAttempts the failure is returned. failedOnce: the error of a first attempt made already
 * (a batch of this one event), which counts as attempt 1.
 */
export async function attemptInPlace (fn: () => Promise<void>, policy: FailurePolicy, life: Lifecycle,
  onRetry: (err: Error, attempts: number, delayMs: number) => void, failedOnce?: { err: unknown }): Promise<Outcome | undefined> {
  const backoff = new Backoff(100, 2000)
  let earlier = failedOnce
  for (let attempts = 1; ;) {
    let err: unknown
    if (earlier) {
      err = earlier.err
      earlier = undefined
    } else {
      try {
        await fn()
        return undefined
      } catch (thrown) {
        err = thrown
      }
    }
    life.check()
    if (isPermanent(err)) return outcome(err, attempts, true)
    if (!isRetryable(err)) {
      if (attempts >= policy.handlerAttempts) return outcome(err, attempts, false)
      attempts++
    }
    const delay = backoff.next()
    onRetry(err as Error, attempts, delay)
    await life.sleep(delay)
  }
}

/**
 * Tries fn for as long as its errors are retryable (the database away). Any other error is returned: for a batch,
 * the caller then takes its events one by one, so that only the guilty one is retried.
 */
export async function whileRetryable<T> (fn: () => Promise<T>, life: Lifecycle,
  onRetry: (err: Error, delayMs: number) => void): Promise<{ ok: true, value: T } | { ok: false, err: unknown }> {
  const backoff = new Backoff(100, 5000)
  for (;;) {
    try {
      return { ok: true, value: await fn() }
    } catch (err) {
      life.check()
      if (!isRetryable(err)) return { ok: false, err }
      const delay = backoff.next()
      onRetry(err as Error, delay)
      await life.sleep(delay)
    }
  }
}

/** Where an event goes after failing in place in `round` (0: its own topic): another round, or T.dlq. */
export function nextStep (failure: Outcome, round: number, policy: FailurePolicy): { to: 'retry', round: number } | { to: 'dead-letter' } {
  if (failure.permanent || round >= policy.retryRounds) return { to: 'dead-letter' }
  return { to: 'retry', round: round + 1 }
}
