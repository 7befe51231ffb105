import { useState } from 'react'
import { api, ApiError } from '../api/client.ts'
import { ErrorText } from '../components/Status.tsx'
import { Link, useLocation, useTitle } from '../router.tsx'

/**
 * An e-mail's unsubscribe link, for anyone holding it (no sign-in): one button that POSTs the token, because
 * opening the page must never unsubscribe (mail scanners follow links). Only the server's answer says whose
 * e-mail was turned off, so the page shows no address before.
 */
export function Unsubscribe () {
  useTitle('Turn off e-mails')
  const { params } = useLocation()
  const token = params.get('token') ?? ''
  const [state, setState] = useState<{ done?: string, error?: string, busy?: boolean }>({})

  const go = async () => {
    setState({ busy: true })
    try {
      const r = await api<{ unsubscribed: boolean, email: string }>('POST', `/api/unsubscribe?token=${encodeURIComponent(token)}`)
      setState({ done: r.email })
    } catch (err) {
      setState({ error: err instanceof ApiError && err.status === 400 ? 'This link is not valid or has expired. Sign in and turn e-mails off in Settings instead.' : (err as Error).message })
    }
  }

  if (!token) {
    return (
      <section className='page narrow'>
        <h1>Turn off e-mails</h1>
        <ErrorText>This link is incomplete: it has no token. Use the whole link from the e-mail, or sign in and turn e-mails off in Settings.</ErrorText>
        <p><Link href='/settings'>Settings</Link></p>
      </section>
    )
  }
  return (
    <section className='page narrow'>
      <h1>Turn off e-mails</h1>
      {state.done
        ? (
          <div className='card form' role='status'>
            <h2>Done</h2>
            <p>Hostly will send no more e-mails to {state.done}. The bell and the inbox still show every booking change when you are signed in.</p>
            <p>Changed your mind? Turn e-mails back on in <Link href='/settings'>Settings</Link>.</p>
          </div>
          )
        : (
          <div className='card form'>
            <p>Hostly e-mails you when one of your bookings changes. This turns those e-mails off for the account this link was sent to.</p>
            <ErrorText>{state.error}</ErrorText>
            <div className='actions'>
              <button type='button' disabled={state.busy} onClick={() => { void go() }}>{state.busy ? 'Turning off…' : 'Turn off e-mails'}</button>
            </div>
            <p className='muted small'>You can also sign in and change this in <Link href='/settings'>Settings</Link>.</p>
          </div>
          )}
    </section>
  )
}
