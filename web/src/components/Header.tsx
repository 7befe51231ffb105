import { Link, useLocation } from '../router.tsx'
import { can, useSession } from '../session.tsx'
import { useNotifications } from '../live.tsx'
import { useMessageUnread } from '../messages.ts'

function NavLink ({ href, children }: { href: string, children: string }) {
  const { path } = useLocation()
  return <Link href={href} aria-current={path === href ? 'page' : undefined}>{children}</Link>
}

function Bell () {
  const { unread, status } = useNotifications()
  const label = `Notifications: ${unread} unread${status === 'offline' ? ' (reconnecting)' : ''}`
  return (
    <Link href='/inbox' className='bell' aria-label={label} title={label}>
      <svg viewBox='0 0 24 24' width='22' height='22' aria-hidden='true' focusable='false'>
        <path d='M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z' />
      </svg>
      {unread > 0 && <span className='badge' data-testid='unread-count'>{unread > 99 ? '99+' : unread}</span>}
    </Link>
  )
}

/** Messages, with the unread total of all the reader's conversations. */
function MessagesLink () {
  const { path } = useLocation()
  const unread = useMessageUnread()
  return (
    <Link href='/messages' aria-current={path === '/messages' ? 'page' : undefined} data-testid='messages-link'>
      Messages{unread > 0 && <> <span className='count'>{unread > 99 ? '99+' : unread}<span className='visually-hidden'> unread</span></span></>}
    </Link>
  )
}

export function Header () {
  const { user, signOut } = useSession()
  const { path } = useLocation()
  return (
    <header className='top'>
      <a className='skip' href='#main'>Skip to content</a>
      <div className='top-inner'>
        <Link href='/' className='brand'>Hostly</Link>
        <nav aria-label='Main'>
          <NavLink href='/'>Search</NavLink>
          {user && <NavLink href='/favorites'>Favorites</NavLink>}
          {can(user, 'traveler') && <NavLink href='/trips'>My trips</NavLink>}
          {can(user, 'owner') && <NavLink href='/owner/properties'>My properties</NavLink>}
          {can(user, 'owner') && <NavLink href='/owner/requests'>Requests</NavLink>}
          {can(user, 'owner') && <NavLink href='/owner/analytics'>Analytics</NavLink>}
          {user && <MessagesLink />}
        </nav>
        <div className='account'>
          {user && <Bell />}
          {user && <span className='who' title={user.email}>{user.name}</span>}
          {user && <Link href='/settings' className='settings-link' aria-current={path === '/settings' ? 'page' : undefined}>Settings</Link>}
          {user && <button type='button' className='link-button' onClick={() => { void signOut() }}>Sign out</button>}
          {user === null && <Link href='/signin' className='button small'>Sign in</Link>}
          {user === null && <Link href='/signup' className='button small secondary'>Sign up</Link>}
        </div>
      </div>
    </header>
  )
}
