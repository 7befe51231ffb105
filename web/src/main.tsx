import { lazy, StrictMode, Suspense, type ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { ConfirmProvider } from './components/Confirm.tsx'
import { Header } from './components/Header.tsx'
import { Loading } from './components/Status.tsx'
import { LiveProvider } from './live.tsx'
import { Link, match, Redirect, useLocation } from './router.tsx'
import { can, SessionProvider, useSession } from './session.tsx'
import { SignIn, SignUp } from './pages/Auth.tsx'
import { BookingPage } from './pages/BookingPage.tsx'
import { Favorites } from './pages/Favorites.tsx'
import { Inbox } from './pages/Inbox.tsx'
import { PropertyPage } from './pages/PropertyPage.tsx'
import { Search } from './pages/Search.tsx'
import { Settings } from './pages/Settings.tsx'
import { Trips } from './pages/Trips.tsx'
import { Unsubscribe } from './pages/Unsubscribe.tsx'
import { readerKey } from './format.ts'
import './styles.css'

// Owners' pages are their own chunks: a traveler's first page does not carry them (BENCHMARKS.md).
const OwnerProperties = lazy(() => import('./owner/Properties.tsx'))
const OwnerRequests = lazy(() => import('./owner/Requests.tsx'))
const OwnerAnalytics = lazy(() => import('./owner/Analytics.tsx'))
// Conversations, too: the booking page's conversation is in the first chunk, their own pages are not.
const Messages = lazy(() => import('./pages/Messages.tsx'))
const ThreadPage = lazy(() => import('./pages/Thread.tsx'))
// The pages an account e-mail leads to: rarely opened, their own chunk.
const ForgotPassword = lazy(async () => ({ default: (await import('./account/Recovery.tsx')).ForgotPassword }))
const ResetPassword = lazy(async () => ({ default: (await import('./account/Recovery.tsx')).ResetPassword }))
const ConfirmEmail = lazy(async () => ({ default: (await import('./account/Recovery.tsx')).ConfirmEmail }))

/** A page for signed-in people (of one role): others are sent to sign in, and come back after. */
function Guard ({ role, children }: { role?: 'traveler' | 'owner', children: ReactNode }) {
  const { user } = useSession()
  const { path, params } = useLocation()
  if (user === undefined) return <Loading />
  if (user === null) {
    const next = path + (params.size ? '?' + params.toString() : '')
    return <Redirect to={'/signin?next=' + encodeURIComponent(next)} />
  }
  if (role && !can(user, role)) {
    return (
      <section className='page narrow'>
        <h1>Not available</h1>
        <p>This page is for {role}s; you are signed in as {user.role === 'owner' ? 'an owner' : 'a traveler'}.</p>
        <p>You can {role === 'owner' ? 'start hosting' : 'start travelling'} from <Link href='/settings'>your settings</Link>, or go <Link href='/'>back to search</Link>.</p>
      </section>
    )
  }
  return <>{children}</>
}

function Routes () {
  const { path } = useLocation()
  let m: Record<string, string> | null
  if (path === '/') return <Search />
  if ((m = match('/property/:id', path))) return <PropertyPage id={m.id} />
  if (path === '/signin') return <SignIn />
  if (path === '/signup') return <SignUp />
  if (path === '/trips') return <Guard role='traveler'><Trips /></Guard>
  if (path === '/inbox') return <Guard><Inbox /></Guard>
  if (path === '/messages') return <Guard><Messages /></Guard>
  if ((m = match('/threads/:id', path))) return <Guard><ThreadPage id={m.id} /></Guard>
  if (path === '/favorites') return <Guard><Favorites /></Guard>
  if ((m = match('/bookings/:id', path))) return <Guard><BookingPage id={m.id} /></Guard>
  if (path === '/settings') return <Guard><Settings /></Guard>
  if (path === '/unsubscribe') return <Unsubscribe />
  if (path === '/forgot-password') return <ForgotPassword />
  if (path === '/reset-password') return <ResetPassword />
  if (path === '/confirm-email') return <ConfirmEmail />
  if (path === '/owner/properties') return <Guard role='owner'><OwnerProperties /></Guard>
  if (path === '/owner/requests') return <Guard role='owner'><OwnerRequests /></Guard>
  if (path === '/owner/analytics') return <Guard role='owner'><OwnerAnalytics /></Guard>
  return (
    <section className='page narrow'>
      <h1>Page not found</h1>
      <p>There is no page at this address. <Link href='/'>Search for a place to stay</Link>.</p>
    </section>
  )
}

/** After an account is deleted, the home page says so (until someone signs in). */
function Farewell () {
  const { farewell } = useSession()
  const { path } = useLocation()
  if (!farewell || path !== '/') return null
  return <p role='status' className='notice farewell'>{farewell}</p>
}

function App () {
  return (
    <SessionProvider>
      <LiveProvider>
        <ConfirmProvider>
          <Header />
          <main id='main' tabIndex={-1}>
            <Farewell />
            <Suspense fallback={<Loading />}>
              {/* Pages start again when the reader's locale or time zone changes, so every date follows it. */}
              <Routes key={readerKey()} />
            </Suspense>
          </main>
        </ConfirmProvider>
      </LiveProvider>
    </SessionProvider>
  )
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>)
