import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import { api } from '../api/client.ts'
import { Field } from '../components/Field.tsx'
import { ErrorText, Loading } from '../components/Status.tsx'
import { useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'

/** What deleting the account would do now (GET /api/me/deletion), and did (POST). */
interface Summary {
  requests_withdrawn: number
  stays_cancelled: number
  requests_declined: number
  hosted_stays_cancelled: number
  properties_unlisted: number
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** The lines of what happens to bookings and places, only those that apply. */
function consequences (s: Summary): string[] {
  const lines: string[] = []
  if (s.requests_withdrawn) lines.push(`${count(s.requests_withdrawn, 'request you made', 'requests you made')} will be withdrawn.`)
  if (s.stays_cancelled) lines.push(`${count(s.stays_cancelled, 'upcoming stay of yours', 'upcoming stays of yours')} will be cancelled.`)
  if (s.requests_declined) lines.push(`${count(s.requests_declined, 'request at your places', 'requests at your places')} will be declined.`)
  if (s.hosted_stays_cancelled) lines.push(`${count(s.hosted_stays_cancelled, 'upcoming stay at your places', 'upcoming stays at your places')} will be cancelled.`)
  if (s.properties_unlisted) lines.push(`${count(s.properties_unlisted, 'place of yours', 'places of yours')} will be unlisted, and their photos removed.`)
  return lines
}

/**
 * Settings: deleting the account. A button opens a modal <dialog> (as the app's confirmations: the page behind is
 * inert, Tab stays inside, Escape or "Keep my account" closes it, focus goes back to the button) that says what
 * will happen, counted from the API, and asks for the password. Done: signed out, to the home page.
 */
export function DeleteAccount () {
  const { deleted } = useSession()
  const dialog = useRef<HTMLDialogElement>(null)
  const opener = useRef<HTMLButtonElement>(null)
  const [open, setOpen] = useState(false)
  const [summary, setSummary] = useState<Summary | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [password, setPassword] = useState('')
  const form = useSubmit(['password', 'current_password'])
  const titleId = useId()
  const bodyId = useId()

  useEffect(() => {
    const d = dialog.current
    if (open && d && !d.open) {
      d.showModal()
      d.querySelector<HTMLInputElement>('input[type=password]')?.focus()
    }
  }, [open])

  const show = () => {
    setSummary(null); setLoadError(null); setPassword('')
    setOpen(true)
    api<Summary>('GET', '/api/me/deletion').then(setSummary, (e: Error) => setLoadError(e.message))
  }

  const close = () => {
    dialog.current?.close()
    setOpen(false)
    setTimeout(() => opener.current?.focus(), 0)
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      const done = await api<Summary>('POST', '/api/me/deletion', { password })
      dialog.current?.close()
      deleted(done.requests_withdrawn + done.stays_cancelled + done.requests_declined + done.hosted_stays_cancelled)
    })
  }

  /** Tab and Shift+Tab go round the dialog's controls, never out to the page. */
  const trap = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !dialog.current) return
    const items = [...dialog.current.querySelectorAll<HTMLElement>('button, a[href], input')].filter(el => !el.hasAttribute('disabled'))
    if (items.length === 0) return
    const first = items[0]
    const last = items[items.length - 1]
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus() } else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus() }
  }

  const lines = summary ? consequences(summary) : []
  return (
    <section className='card form danger-zone' aria-labelledby='delete-title'>
      <h2 id='delete-title'>Delete account</h2>
      <p>Your requests and upcoming stays are cancelled, on both sides, and the other party is told that you deleted your account. Your places are unlisted. You are signed out everywhere, and your e-mail address is free to sign up with again.</p>
      <p className='muted small'>Past stays, messages and booking history stay on the other party’s side, shown as from “Deleted account”: they are their records too.</p>
      <p><button ref={opener} type='button' className='secondary danger' onClick={show}>Delete my account…</button></p>
      <dialog ref={dialog} className='confirm' aria-labelledby={titleId} aria-describedby={bodyId} onKeyDown={trap} onCancel={e => { e.preventDefault(); close() }}>
        {open && (
          <form onSubmit={submit} noValidate>
            <h2 id={titleId}>Delete your account?</h2>
            <div id={bodyId} className='confirm-body'>
              {!summary && !loadError && <Loading what='Counting your bookings' />}
              <ErrorText>{loadError}</ErrorText>
              {summary && (
                <ul>
                  {lines.length === 0 ? <li>You have no requests or upcoming stays to cancel.</li> : lines.map(l => <li key={l}>{l}</li>)}
                  {lines.length > 0 && <li>Each guest or host will be told that you deleted your account.</li>}
                  <li>Your profile, photo, favorites and notifications will be removed, and you will be signed out everywhere. This cannot be undone.</li>
                </ul>
              )}
            </div>
            <Field label='Your password' type='password' autoComplete='current-password' value={password} onChange={e => setPassword(e.target.value)} error={form.field('password') ?? form.field('current_password')} />
            <ErrorText>{form.general}</ErrorText>
            <div className='actions'>
              <button type='button' className='secondary' onClick={close}>Keep my account</button>
              <button type='submit' className='danger-solid' disabled={form.busy || !summary}>{form.busy ? 'Deleting…' : 'Delete my account'}</button>
            </div>
          </form>
        )}
      </dialog>
    </section>
  )
}
