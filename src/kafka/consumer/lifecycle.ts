import { Waker } from '../../timing.ts'

/** Thrown out of a wait when the consumer is stopping: what was in hand is not committed, so it comes again. */
export class Stopping extends Error {}

/** Whether a consumer member still runs, and sleeps that stop() ends at once. */
export class Lifecycle {
  private readonly waker = new Waker()
  private readonly stopped = new AbortController()
  /** Aborted with a Stopping once stop() was called: for a handler's own slow work (spec.ts). */
  readonly signal = this.stopped.signal

  get running (): boolean { return !this.signal.aborted }

  sleep (ms: number): Promise<void> { return this.waker.sleep(ms) }

  /** Sleeps until the time (ms since the epoch), unless stopped first. */
  async until (time: number): Promise<void> {
    while (this.running && Number.isFinite(time) && Date.now() < time) await this.sleep(time - Date.now())
    this.check()
  }

  /** Throws Stopping once stop() was called. */
  check (): void {
    this.signal.throwIfAborted()
  }

  stop (): void {
    this.stopped.abort(new Stopping())
    this.waker.wake()
  }
}
