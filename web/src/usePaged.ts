import { useCallback, useEffect, useRef, useState } from 'react'
import { api } from './api/client.ts'

/**
 * A cursor-paged list of the API ({ <key>: T[], next_cursor }). reload() fetches the first page again and keeps
 * as many pages as were shown; loadMore() appends the next page.
 */
export function usePaged<T extends { id: number }> (url: string, key: string) {
  const [items, setItems] = useState<T[] | null>(null)
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const shown = useRef(20)

  const reload = useCallback(async () => {
    try {
      const sep = url.includes('?') ? '&' : '?'
      const page = await api<Record<string, unknown>>('GET', `${url}${sep}limit=${Math.min(100, shown.current)}`)
      setItems(page[key] as T[])
      setNext(page.next_cursor as string | null)
      setError(null)
    } catch (err) {
      setError((err as Error).message)
    }
  }, [url, key])

  const loadMore = useCallback(async () => {
    if (!next) return
    const sep = url.includes('?') ? '&' : '?'
    const page = await api<Record<string, unknown>>('GET', `${url}${sep}limit=20&cursor=${encodeURIComponent(next)}`)
    const more = page[key] as T[]
    setItems(list => [...(list ?? []), ...more.filter(m => !(list ?? []).some(i => i.id === m.id))])
    setNext(page.next_cursor as string | null)
    shown.current += more.length
  }, [url, key, next])

  useEffect(() => { shown.current = 20; setItems(null); void reload() }, [reload])

  /** Changes one item in place (a live status update). */
  const update = useCallback((id: number, change: Partial<T>) => {
    setItems(list => list?.map(i => i.id === id ? { ...i, ...change } : i) ?? list)
  }, [])

  return { items, next, error, reload, loadMore, update, setItems }
}
