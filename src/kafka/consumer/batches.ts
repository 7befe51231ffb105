import type { Readable } from 'node:stream'

/**
 * Reads an object stream in batches: each batch holds what has arrived since the last one (at least one item,
 * at most max), so a busy consumer takes many records per transaction and an idle one answers at once.
 * The stream is paused while max items wait, so memory stays bounded.
 */
export async function * inBatches<T> (stream: Readable, max: number): AsyncGenerator<T[]> {
  const queue: T[] = []
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const poke = () => { wake?.(); wake = undefined }
  const onData = (item: T) => {
    queue.push(item)
    if (queue.length >= max) stream.pause()
    poke()
  }
  const onEnd = () => { ended = true; poke() }
  const onError = (err: Error) => { failure = err; poke() }
  stream.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError)
  try {
    for (;;) {
      if (failure) throw failure
      if (queue.length > 0) {
        const batch = queue.splice(0, max)
        if (stream.isPaused()) stream.resume()
        yield batch
        continue
      }
      if (ended) return
      await new Promise<void>(resolve => { wake = resolve })
    }
  } finally {
    stream.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError)
  }
}
