import { argon2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { appError } from '../errors.ts'

// argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), stored as a PHC string.
const argon2Async = promisify(argon2)
const params = { memory: 19456, passes: 2, parallelism: 1, tagLength: 32 }

// Each hash costs ~20 ms of a CPU and 19 MiB. Without a bound, a burst of bad sign-ins queues without limit and
// every real sign-in waits behind it. So: `concurrency` hashes run at once, `queue` more may wait, and beyond
// that the request is refused at once (503 with Retry-After) instead of holding memory and a socket.
const limits = { concurrency: 4, queue: 32 }
let running = 0
const waiting: Array<() => void> = []
/** The most hashes seen running at once since the last reset: the bound made visible (tests, metrics). */
export const hashing = {
  peak: 0,
  peakWaiting: 0,
  refused: 0,
  reset () { this.peak = running; this.peakWaiting = waiting.length; this.refused = 0 }
}

export function configureHashing (opts: { concurrency: number, queue: number }) {
  limits.concurrency = opts.concurrency
  limits.queue = opts.queue
}

const busy = () => Object.assign(appError('SERVER_BUSY'), { retryAfter: 1 })

async function bounded<T> (fn: () => Promise<T>): Promise<T> {
  if (running >= limits.concurrency) {
    if (waiting.length >= limits.queue) {
      hashing.refused++
      throw busy()
    }
    await new Promise<void>(resolve => {
      waiting.push(resolve)
      hashing.peakWaiting = Math.max(hashing.peakWaiting, waiting.length)
    })
  }
  running++
  hashing.peak = Math.max(hashing.peak, running)
  try {
    return await fn()
  } finally {
    running--
    waiting.shift()?.()
  }
}

async function derive (password: string, nonce: Buffer, p = params): Promise<Buffer> {
  return bounded(() => argon2Async('argon2id', { message: password, nonce, ...p }))
}

/** A password as it is hashed: NFKC, so that one password typed on two keyboards (NFC, NFD, full-width) is one. */
export const normalizePassword = (password: string) => password.normalize('NFKC')

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(normalizePassword(password), salt)
  const { memory: m, passes: t, parallelism: p } = params
  // PHC's B64 is standard base64 (+ and /) without padding, so other argon2 libraries can read the string.
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`
}

/** Checks the password against a hash of exactly these characters (no normalisation). */
async function verifyExact (password: string, stored: string): Promise<boolean> {
  // Node's base64 decoder also reads base64url, which earlier hashes were written in.
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w+/-]+)\$([\w+/-]+)$/.exec(stored)
  if (!match) return false
  const [, m, t, p, salt, hash] = match
  const expected = Buffer.from(hash, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), {
    memory: Number(m), passes: Number(t), parallelism: Number(p), tagLength: expected.length
  })
  return timingSafeEqual(actual, expected)
}

/**
 * 'ok' when the password matches; 'legacy' when it matches only as typed, not normalised: a hash written before
 * passwords were normalised, which the caller should replace. A password already in NFKC costs one hash.
 */
export async function verifyPassword (password: string, stored: string): Promise<'ok' | 'legacy' | false> {
  const normal = normalizePassword(password)
  if (await verifyExact(normal, stored)) return 'ok'
  if (normal !== password && await verifyExact(password, stored)) return 'legacy'
  return false
}

/** A hash of nothing in particular: verifying against it costs what a real check costs. */
export const dummyHash = await hashPassword(randomBytes(16).toString('hex'))
