import type { User } from './users.ts'

/**
 * The channel on which PostgreSQL says which users' sessions ended or changed (src/db/migrations/090_session_revocation.sql):
 * triggers on sessions and users NOTIFY it at the commit of a sign-out, a sign-out everywhere, a password change, an
 * account edit or deletion, whichever code wrote it. Payload: user ids, comma-separated, or '*' for everyone.
 */
export const SESSION_CHANNEL = 'hostly_sessions'

interface Entry { user: User, until: number }

/**
 * Sessions an API process answers from memory for a few seconds (SESSION_CACHE_TTL, at most SESSION_CACHE_SIZE of
 * them), so that a signed-in request costs no round trip to PostgreSQL. It serves only while the process LISTENs on
 * SESSION_CHANNEL (the live listener's connection, src/live/routes.ts): a NOTIFY drops the users' entries at once on
 * every replica; while the LISTEN is down, or before it first succeeds, nothing is served from memory (each request
 * asks PostgreSQL, as without a cache), and each time it is (re)established the cache starts empty, since what was
 * sent meanwhile is lost. A lookup that was in flight while an entry was dropped is not kept (its answer may predate
 * the change). An entry never outlives its session's expires_at. Before an entry answers, the listener's barrier makes
 * sure every NOTIFY committed until then has been handled: a sign-out on replica A followed by a request to replica B
 * is refused there, however late B's LISTEN would otherwise have heard of it. The barrier is a prepared SELECT 1 on the
 * LISTEN connection, one per round-trip time for all the requests that wait on it: cheaper than a session look-up each.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>()
  private ttlMs = 0
  private size = 0
  private listening = false
  /** Bumped by every drop: a lookup that began under another generation is not kept. */
  private generation = 0
  /** Resolves once every NOTIFY committed before the call has been handled (the listener's sync). */
  private barrier: () => Promise<void> = () => Promise.reject(new Error('not listening'))

  /** ttlMs 0: no cache. */
  configure (opts: { ttlMs: number, size: number }): void {
    this.ttlMs = opts.ttlMs
    this.size = opts.size
    this.clear()
  }

  /** Whether answers come from memory now. */
  get serving (): boolean { return this.listening && this.ttlMs > 0 }

  get length (): number { return this.entries.size }

  /**
   * The LISTEN is established (again): NOTIFYs sent while it was not are gone, so start empty, then serve. barrier:
   * resolves once every NOTIFY committed before its call has been handled (src/live/listener.ts, sync).
   */
  up (barrier: () => Promise<void>): void {
    this.clear()
    this.barrier = barrier
    this.listening = true
  }

  /** The LISTEN is down: serve nothing from memory until it is back. */
  down (): void {
    this.listening = false
    this.clear()
  }

  /** A NOTIFY on SESSION_CHANNEL: drop those users' sessions ('*': everyone's, or what cannot be read). */
  revoke (payload: string | undefined): void {
    this.generation++
    const ids = (payload ?? '').split(',').map(Number)
    if (payload === '*' || !ids.every(Number.isSafeInteger)) return this.clear()
    const gone = new Set(ids)
    for (const [key, entry] of this.entries) if (gone.has(Number(entry.user.id))) this.entries.delete(key)
  }

  /** The user of a session (key: its token's hash), from memory while that is allowed, else from load(). */
  async get (key: string, load: () => Promise<{ user: User, expiresAt: Date } | undefined>): Promise<User | undefined> {
    if (!this.serving) return (await load())?.user
    const hit = this.entries.get(key)
    if (hit && hit.until > Date.now()) {
      // A sign-out committed before this request arrived (on another replica, told by its client) must be seen: the
      // barrier waits for every NOTIFY committed so far, shared by the requests of one round trip. Still there after
      // it, the entry is good; dropped meanwhile, or the barrier failed (not listening), ask PostgreSQL.
      const ok = await this.barrier().then(() => true, () => false)
      if (ok && this.serving && this.entries.get(key) === hit) return hit.user
    }
    if (hit) this.entries.delete(key)
    const generation = this.generation
    const found = await load()
    if (found && this.serving && generation === this.generation) {
      if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!) // the oldest
      this.entries.set(key, { user: found.user, until: Math.min(Date.now() + this.ttlMs, found.expiresAt.getTime()) })
    }
    return found?.user
  }

  private clear (): void {
    this.generation++
    this.entries.clear()
  }
}

const caches = new WeakMap<object, SessionCache>()

/** The session cache of a pool (one per API process in practice); it serves nothing until configured and listening. */
export function sessionCache (db: object): SessionCache {
  let cache = caches.get(db)
  if (!cache) caches.set(db, cache = new SessionCache())
  return cache
}
