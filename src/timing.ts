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
