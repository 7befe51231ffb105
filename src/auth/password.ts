import { argon2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

// argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), stored as a PHC string.
const argon2Async = promisify(argon2)
const params = { memory: 19456, passes: 2, parallelism: 1, tagLength: 32 }

async function derive (password: string, nonce: Buffer, p = params): Promise<Buffer> {
  return argon2Async('argon2id', { message: password, nonce, ...p })
}

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt)
  const { memory: m, passes: t, parallelism: p } = params
  // PHC's B64 is standard base64 (+ and /) without padding, so other argon2 libraries can read the string.
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`
}

export async function verifyPassword (password: string, stored: string): Promise<boolean> {
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

/** A hash of nothing in particular: verifying against it costs what a real check costs. */
export const dummyHash = await hashPassword(randomBytes(16).toString('hex'))
