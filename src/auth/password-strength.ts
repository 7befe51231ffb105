import { Worker } from 'node:worker_threads'
import type { StrengthAnswer, StrengthRequest } from './password-strength-worker.ts'

// How guessable a password is, by zxcvbn-ts: common passwords, words and names (its English and common
// dictionaries), keyboard rows, sequences, repeats, dates, l33t spellings, and the words of the user's own
// account. The dictionaries take about a second of CPU to load and tens of MiB to hold, so they live in a worker
// thread (password-strength-worker.ts) started by the first check and ended after IDLE_MS without one: the API's
// event loop never waits for a load or a check, and its memory holds them only while people are choosing passwords.
// The first check after a quiet spell waits for the load (BENCHMARKS.md, "Password strength"). The relay and the
// workers never start it.

/** Words of the service itself: a password built on them is as guessable as one built on the user's name. */
export const SERVICE_WORDS = ['hostly', 'booking', 'bookings', 'hostlybooking']

/** The thread ends after this long without a check. */
const IDLE_MS = 60_000

let worker: Worker | undefined
let idle: NodeJS.Timeout | undefined
let nextId = 0
const pending = new Map<number, { resolve (a: { score: number, warning: string }): void, reject (err: Error): void }>()

function start (): Worker {
  const w = new Worker(new URL('./password-strength-worker.ts', import.meta.url))
  const fail = (err: Error) => {
    if (worker === w) worker = undefined
    for (const p of pending.values()) p.reject(err)
    pending.clear()
  }
  w.on('message', (a: StrengthAnswer) => {
    const p = pending.get(a.id)
    pending.delete(a.id)
    if ('error' in a) p?.reject(new Error(a.error))
    else p?.resolve({ score: a.score, warning: a.warning })
  })
  w.on('error', fail)
  w.on('exit', code => fail(new Error(`the password-strength thread exited (${code})`)))
  return w
}

/**
 * The password's strength, against zxcvbn's dictionaries and the words of this account (`userInputs`): its score,
 * 0 (guessed at once) to 4 (very unlikely to be guessed), and why it is weak when zxcvbn can tell.
 */
export async function strength (password: string, userInputs: string[]): Promise<{ score: number, warning: string }> {
  clearTimeout(idle)
  worker ??= start()
  // Held while a check waits for its answer; a process may end while the thread idles (left referenced, it held
  // every test file's process open for the thread's idle minute).
  worker.ref()
  const id = nextId++
  const answer = new Promise<{ score: number, warning: string }>((resolve, reject) => pending.set(id, { resolve, reject }))
  worker.postMessage({ id, password, userInputs: [...userInputs, ...SERVICE_WORDS] } satisfies StrengthRequest)
  try {
    return await answer
  } finally {
    if (pending.size === 0) {
      worker?.unref()
      clearTimeout(idle)
      idle = setTimeout(() => {
        const w = worker
        worker = undefined
        void w?.terminate()
      }, IDLE_MS).unref()
    }
  }
}
