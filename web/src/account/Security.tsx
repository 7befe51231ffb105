import { useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Reader } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { useSubmit } from '../useSubmit.ts'

/** Settings: a new password (with the current one; other sessions end), a new e-mail address (confirmed from the new inbox), one's data as a file. */
export function Security ({ me }: { me: Reader }) {
  return (
    <>
      <ChangePassword />
      <ChangeEmail me={me} />
      <section className='card form' aria-labelledby='data-title'>
        <h2 id='data-title'>Your data</h2>
        <p>One JSON file with your account, your places, your bookings as guest and as host, your notifications and your favorites.</p>
        {/* A plain link: the API answers with the file to save (Content-Disposition). */}
        <p><a className='button secondary' href='/api/me/export' download='hostly-export.json'>Download my data</a></p>
      </section>
    </>
  )
}

function ChangePassword () {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [done, setDone] = useState(false)
  const form = useSubmit(['current_password', 'new_password'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(false)
    void form.run(async () => {
      await api('POST', '/api/me/password', { current_password: current, new_password: next })
      setCurrent(''); setNext(''); setDone(true)
    })
  }
  return (
    <form className='card form' onSubmit={submit} noValidate aria-labelledby='password-title'>
      <h2 id='password-title'>Password</h2>
      <Field label='Current password' type='password' autoComplete='current-password' value={current} onChange={e => setCurrent(e.target.value)} error={form.field('current_password')} />
      <Field label='New password' type='password' autoComplete='new-password' value={next} onChange={e => setNext(e.target.value)} error={form.field('new_password')} hint='At least 8 characters, not a common password.' />
      <ErrorText>{form.general}</ErrorText>
      <div className='actions'>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : 'Change password'}</button>
        <span role='status' className='muted'>{done ? 'Changed. Your other sessions have ended; this one goes on.' : ''}</span>
      </div>
    </form>
  )
}

function ChangeEmail ({ me }: { me: Reader }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [sentTo, setSentTo] = useState<string | null>(null)
  const form = useSubmit(['new_email', 'password', 'current_password'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setSentTo(null)
    void form.run(async () => {
      await api('POST', '/api/me/email', { new_email: email, password })
      setSentTo(email); setPassword('')
    })
  }
  return (
    <form className='card form' onSubmit={submit} noValidate aria-labelledby='email-address-title'>
      <h2 id='email-address-title'>E-mail address</h2>
      <p className='muted small'>Now {me.email}. We send a link to the new address; it changes when you open it.</p>
      <Field label='New e-mail address' type='email' autoComplete='email' value={email} onChange={e => setEmail(e.target.value)} error={form.field('new_email') ?? (form.error?.code === 'EMAIL_TAKEN' ? form.error.message : undefined)} />
      <Field label='Your password' type='password' autoComplete='current-password' value={password} onChange={e => setPassword(e.target.value)} error={form.field('password') ?? form.field('current_password')} />
      <ErrorText>{form.error?.code === 'EMAIL_TAKEN' ? null : form.general}</ErrorText>
      <div className='actions'>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Sending…' : 'Send the link'}</button>
        <span role='status' className='muted'>{sentTo ? `Sent: open the link in the e-mail to ${sentTo} to confirm.` : ''}</span>
      </div>
    </form>
  )
}
