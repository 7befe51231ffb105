/** Runs `count` calls of fn with at most `concurrency` in flight; each result or error is kept, in call order. */
export async function burst<T> (count: number, concurrency: number, fn: (i: number) => Promise<T>) {
  const results: Array<{ ok: true, value: T } | { ok: false, error: Error }> = new Array(count)
  let next = 0
  async function worker () {
    while (next < count) {
      const i = next++
      try {
        results[i] = { ok: true, value: await fn(i) }
      } catch (error) {
        results[i] = { ok: false, error: error as Error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}

/** Calls fn every `everyMs` until stop() (or maxCount calls); resolves to every result or error, in order. */
export function steady<T> (everyMs: number, maxCount: number, fn: (i: number) => Promise<T>) {
  let stopped = false
  const pending: Array<Promise<{ ok: true, value: T } | { ok: false, error: Error }>> = []
  const done = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the flag is set by stop(), from another call, while this loop awaits
    for (let i = 0; i < maxCount && !stopped; i++) {
      pending.push(fn(i).then(value => ({ ok: true as const, value }), error => ({ ok: false as const, error: error as Error })))
      await new Promise(resolve => setTimeout(resolve, everyMs))
    }
  })()
  return {
    async stop () {
      stopped = true
      await done
      return Promise.all(pending)
    }
  }
}
