import { useEffect, useSyncExternalStore } from 'react'
import { api } from './api/client.ts'
import type { ThreadList } from './api/types.ts'
import { useLive } from './live.tsx'
import { useSession } from './session.tsx'

// The reader's unread messages in all their conversations, for the header: read from GET /api/threads when the page
// starts, on every live `ready` and `message`, and after the reader reads a thread (refreshMessageUnread).

let unread = 0
const listeners = new Set<() => void>()
const subscribe = (l: () => void) => { listeners.add(l); return () => { listeners.delete(l) } }

/** Reads the total again; a failure leaves the last one shown. */
export function refreshMessageUnread () {
  api<ThreadList>('GET', '/api/threads?limit=1').then(list => {
    unread = list.unread_count
    for (const l of listeners) l()
  }, () => {})
}

/** The total of unread messages, kept current while the reader is signed in. */
export function useMessageUnread (): number {
  const { user } = useSession()
  useEffect(() => { if (user) refreshMessageUnread() }, [user?.id])
  useLive(m => { if (m.type === 'ready' || m.type === 'message') refreshMessageUnread() })
  return useSyncExternalStore(subscribe, () => unread)
}
