import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { api, whenUnauthorized } from './api/client.ts'
import type { Reader as User } from './api/types.ts'
import { setReader } from './format.ts'
import { navigate } from './router.tsx'

interface Session {
  /** undefined while the first /api/auth/me is in flight; null when signed out. */
  user: User | null | undefined
  signedIn (user: User): void
  signOut (): Promise<void>
  /** The account was deleted (its session with it): signed out, to the home page, which says so. */
  deleted (cancelled: number): void
  /** What the home page says after the account was deleted; null otherwise. */
  farewell: string | null
  /** The session ended elsewhere (signed out in another tab, expired): back to sign-in, then here again. */
  ended (): void
}

const SessionContext = createContext<Session>({ user: undefined, signedIn () {}, async signOut () {}, deleted () {}, farewell: null, ended () {} })

export function SessionProvider ({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined)
  const [farewell, setFarewell] = useState<string | null>(null)

  const ended = useCallback(() => {
    setUser(null)
    navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), { replace: true })
  }, [])

  useEffect(() => {
    api<{ user: User | null }>('GET', '/api/auth/me').then(r => setUser(r.user), () => setUser(null))
    // A 401 anywhere later means the session is gone (signed out in another tab, expired): back to sign-in.
    whenUnauthorized(ended)
  }, [ended])

  const signOut = useCallback(async () => {
    try { await api('POST', '/api/auth/logout') } catch {}
    setUser(null)
    navigate('/')
  }, [])

  const deleted = useCallback((cancelled: number) => {
    setUser(null)
    setFarewell(`Your account is deleted, and you are signed out.${cancelled > 0 ? ' The hosts and guests of the bookings it cancelled are being told.' : ''}`)
    navigate('/')
  }, [])

  // Dates and money follow the signed-in person's settings; set before any page renders with them.
  setReader(user?.locale, user?.time_zone)
  return <SessionContext.Provider value={{ user, signedIn: (u: User) => { setFarewell(null); setUser(u) }, signOut, deleted, farewell, ended }}>{children}</SessionContext.Provider>
}

export const useSession = () => useContext(SessionContext)

/** Whether the person may travel (request stays) or host (list places, answer requests): an account of role 'both' does both. */
export const can = (user: User | null | undefined, capability: 'traveler' | 'owner') => user?.role === capability || user?.role === 'both'
