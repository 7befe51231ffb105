import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

// A router of a few lines rather than a library: the app has a handful of flat routes, and every kilobyte of
// the first page counts. Paths are real URLs (history API); the API serves index.html for them.

const listeners = new Set<() => void>()
const notify = () => { for (const l of listeners) l() }
window.addEventListener('popstate', notify)

export function navigate (to: string, opts: { replace?: boolean } = {}) {
  if (to === location.pathname + location.search) return
  if (opts.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  window.scrollTo(0, 0)
  notify()
}

const subscribe = (l: () => void) => { listeners.add(l); return () => { listeners.delete(l) } }
const snapshot = () => location.pathname + location.search

/** The current location; re-renders when it changes. */
export function useLocation (): { path: string, params: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(href, location.origin)
  return { path: url.pathname, params: url.searchParams }
}

/** Matches "/property/:id" against a path; the named parts, or null. */
export function match (pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/')
  const s = path.replace(/\/+$/, '').split('/')
  if (path === '/') s.splice(1)
  if (p.length !== s.length && !(pattern === '/' && path === '/')) return null
  const out: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) out[p[i].slice(1)] = decodeURIComponent(s[i] ?? '')
    else if (p[i] !== (s[i] ?? '')) return null
  }
  return out
}

/** An <a> that navigates in the app (a plain link still works with a modifier key or a new tab). */
export function Link (props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props
  return (
    <a
      {...rest}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e)
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(props.href)
      }}
    />
  )
}

/** Sends the page elsewhere once rendered (for pages that need a session). */
export function Redirect ({ to }: { to: string }) {
  useEffect(() => { navigate(to, { replace: true }) }, [to])
  return null
}

/** The document title follows the page, so a screen reader announces where the person is. */
export function useTitle (title: string) {
  useEffect(() => { document.title = `${title} · Hostly` }, [title])
}
