// Everything the bench starts or creates is registered here and undone in reverse order, on success,
// on failure and on SIGINT/SIGTERM.

type Undo = () => Promise<unknown> | unknown

export class Cleanup {
  private readonly steps: { label: string, undo: Undo }[] = []
  private running: Promise<void> | undefined

  add (label: string, undo: Undo) {
    this.steps.push({ label, undo })
  }

  /** Runs every step once, newest first; a failing step is reported and the others still run. */
  run (): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const { label, undo } = this.steps.pop()!
        try {
          await undo()
        } catch (err) {
          console.error(`bench: cleanup "${label}" failed: ${(err as Error).message}`)
        }
      }
    })()
    return this.running
  }

  /** On SIGINT/SIGTERM: clean up, then exit with 130/143. */
  onSignals () {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        console.error(`bench: ${signal}, cleaning up`)
        void this.run().finally(() => process.exit(code))
      })
    }
  }
}
