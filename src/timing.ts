/** Exponential backoff with jitter between min and max milliseconds. */
export class Backoff {
  private attempt = 0
  private readonly min: number
  private readonly max: number

  constructor (min: number, max: number) {
    this.min = min
    this.max = max
  }

  next (): number {
    const base = Math.min(this.max, this.min * 2 ** this.attempt++)
    return Math.round(base / 2 + Math.random() * base / 2)
  }

  reset () { this.attempt = 0 }
}

/** A sleep that ends early when someone calls wake(). */
export class Waker {
  private pending: (() => void) | undefined
  private woken = false

  sleep (ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise(resolve => {
      const timer = setTimeout(done, ms)
      const self = this
      function done () {
        clearTimeout(timer)
        self.pending = undefined
        resolve()
      }
      this.pending = done
    })
  }

  /** Ends the current sleep, or makes the next one return at once. */
  wake () {
    if (this.pending) this.pending()
    else this.woken = true
  }
}

export interface Loop {
  /** Ends the current wait early: the next step runs now. */
  wake (): void
  /** Lets the step in progress finish, then ends the loop. */
  stop (): Promise<void>
}

/**
 * Runs step again and again until stop(). Each step returns how long to wait before the next (0: at once);
 * a step that throws is reported to onError and retried after an exponential backoff (min..max ms). stopping is
 * aborted by stop(): a step made of many slow pieces (e-mails) may end after the piece in hand.
 */
export function repeat (step: (stopping: AbortSignal) => Promise<number>, onError: (err: Error, retryInMs: number) => void, min = 200, max = 5000): Loop {
  const waker = new Waker()
  const backoff = new Backoff(min, max)
  const stopping = new AbortController()
  const done = (async () => {
    await Promise.resolve() // the first step runs once the caller holds the returned Loop
    while (!stopping.signal.aborted) {
      let wait: number
      try {
        wait = await step(stopping.signal)
        backoff.reset()
      } catch (err) {
        wait = backoff.next()
        onError(err as Error, wait)
      }
      if (wait > 0 && !stopping.signal.aborted) await waker.sleep(wait)
    }
  })()
  return {
    wake: () => waker.wake(),
    async stop () {
      stopping.abort()
      waker.wake()
      await done
    }
  }
}

/** Whether the promise settles (either way) within ms. */
export async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(resolve, ms, false) })
  const settled = await Promise.race([promise.then(() => true, () => true), late])
  clearTimeout(timer)
  return settled
}

/** withDeadline's rejection: what it waited for, by the name it was given. */
export class DeadlineExceeded extends Error {
  readonly what: string
  constructor (what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`)
    this.what = what
  }
}

/** The promise's outcome, or a DeadlineExceeded once ms have passed without one (the promise is left to settle). */
export async function withDeadline<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Stops several things at once, by name, and knows which have not finished: a shutdown deadline can then say what
 * it was still waiting for.
 */
export class Stops {
  private readonly pending = new Set<string>()

  async all (stops: Record<string, (() => Promise<unknown>) | undefined>): Promise<void> {
    await Promise.all(Object.entries(stops).map(async ([name, stop]) => {
      if (!stop) return
      this.pending.add(name)
      try {
        await stop()
      } finally {
        this.pending.delete(name)
      }
    }))
  }

  /** The names whose stop has begun and not finished. */
  unfinished (): string[] { return [...this.pending] }
}
