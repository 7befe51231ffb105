import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import { api } from './api/client.ts'
import type { LiveMessage } from './api/live-messages.ts'
import type { Notification, NotificationsPage } from './api/types.ts'
import { useSession } from './session.tsx'

// Live updates (docs/http.md): one WebSocket per tab to /api/live. The inbox's first page comes over HTTP; the socket then asks
// for everything after the newest id it has (?after=), so nothing that arrived in between is lost, and a
// reconnect does the same from the last id received: no gap, and the server sends nothing twice across the seam.
// Pages listen for messages with useLive; on every `ready` they reload their lists, which covers booking
// changes that happened while the socket was down.

type Listener = (m: LiveMessage) => void

interface Live {
  notifications: Notification[]
  unread: number
  /** 'connecting' until the first ready; 'offline' while waiting to reconnect. */
  status: 'connecting' | 'live' | 'offline'
  loaded: boolean
  error: string | null
  nextCursor: string | null
  more (): Promise<void>
  markRead (id: number): Promise<void>
  markAllRead (): Promise<void>
  subscribe (l: Listener): () => void
}

const LiveContext = createContext<Live | null>(null)

const MAX_BACKOFF_MS = 30_000
/** Close codes after which reconnecting cannot help: a policy refusal (1008). */
const FINAL = new Set([1008])
/** The server closes a socket whose session was signed out or expired with this code. */
const SESSION_ENDED = 4401

export function LiveProvider ({ children }: { children: ReactNode }) {
  const { user, ended } = useSession()
  const [notifications, setNotifications] = useState<Notification[]>([])
  const [unread, setUnread] = useState(0)
  const [status, setStatus] = useState<Live['status']>('connecting')
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [nextCursor, setNextCursor] = useState<string | null>(null)
  const listeners = useRef(new Set<Listener>())
  const lastId = useRef(0)

  useEffect(() => {
    if (!user) return
    let ws: WebSocket | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    let backoff = 1000
    let stopped = false
    setNotifications([]); setLoaded(false); setError(null); lastId.current = 0

    const receive = (m: LiveMessage) => {
      if (m.type === 'notification') {
        lastId.current = Math.max(lastId.current, m.notification.id)
        setNotifications(list => list.some(n => n.id === m.notification.id) ? list : [m.notification, ...list])
        if (!m.notification.read_at) setUnread(u => u + 1)
      } else if (m.type === 'ready') {
        setUnread(m.unread_count)
        setStatus('live')
        backoff = 1000
      }
      for (const l of listeners.current) l(m)
    }

    const connect = () => {
      if (stopped) return
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
      ws = new WebSocket(`${scheme}://${location.host}/api/live?after=${lastId.current}`)
      ws.onmessage = e => { try { receive(JSON.parse(String(e.data)) as LiveMessage) } catch {} }
      ws.onclose = e => {
        if (stopped) return
        setStatus('offline')
        if (e.code === SESSION_ENDED) return ended()
        if (FINAL.has(e.code)) return
        timer = setTimeout(connect, backoff)
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
      }
    }

    api<NotificationsPage>('GET', '/api/notifications?limit=20').then(page => {
      if (stopped) return
      setNotifications(page.notifications)
      setNextCursor(page.next_cursor)
      setUnread(page.unread_count)
      lastId.current = page.notifications[0]?.id ?? 0
      setLoaded(true)
      connect()
    }, (err: Error) => { if (!stopped) { setError(err.message); setLoaded(true) } })

    return () => { stopped = true; clearTimeout(timer); ws?.close(1000) }
  }, [user?.id])

  const more = useCallback(async () => {
    if (!nextCursor) return
    const page = await api<NotificationsPage>('GET', `/api/notifications?limit=20&cursor=${encodeURIComponent(nextCursor)}`)
    setNotifications(list => [...list, ...page.notifications.filter(n => !list.some(o => o.id === n.id))])
    setNextCursor(page.next_cursor)
  }, [nextCursor])

  const markRead = useCallback(async (id: number) => {
    const { notification } = await api<{ notification: Notification }>('POST', `/api/notifications/${id}/read`)
    setNotifications(list => list.map(n => n.id === id ? notification : n))
    setUnread(u => Math.max(0, u - 1))
  }, [])

  const markAllRead = useCallback(async () => {
    const { unread_count: left } = await api<{ unread_count: number }>('POST', '/api/notifications/read-all')
    const now = new Date().toISOString()
    setNotifications(list => list.map(n => n.read_at ? n : { ...n, read_at: now }))
    setUnread(left)
  }, [])

  const subscribe = useCallback((l: Listener) => {
    listeners.current.add(l)
    return () => { listeners.current.delete(l) }
  }, [])

  const value: Live = { notifications, unread, status, loaded, error, nextCursor, more, markRead, markAllRead, subscribe }
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>
}

export function useNotifications (): Live {
  const live = useContext(LiveContext)
  if (!live) throw new Error('useNotifications outside LiveProvider')
  return live
}

/** Calls handler for every live message while the component is shown. */
export function useLive (handler: Listener) {
  const { subscribe } = useNotifications()
  const ref = useRef(handler)
  ref.current = handler
  useEffect(() => subscribe(m => ref.current(m)), [subscribe])
}
