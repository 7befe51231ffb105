import { useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import { Field } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { Link, useLocation, useTitle } from '../router.tsx'
import { useSubmit } from '../useSubmit.ts'

// The pages an account e-mail leads to, and the one that asks for it: forgotten password, new password from the
// link, new e-mail address confirmed from the link. A link's page asks with a button before it POSTs: mail scanners
// open every link, and must use up no one's token.

export function ForgotPassword () {
  useTitle('Forgot your password')
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const form = useSubmit(['email'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      await api('POST', '/api/password-reset', { email })
      setSent(true)
    })
  }
  return (
    <section className='page narrow'>
      <h1>Forgot your password</h1>
      {sent
        ? <p className='card' role='status'>If an account has the address {email}, an e-mail with a link to set a new password is on its way. The link works once, within an hour.</p>
        : (
          <form onSubmit={submit} noValidate className='card form'>
            <p>Give the e-mail address of your account: we send it a link to set a new password.</p>
            <Field label='E-mail' type='email' autoComplete='email' value={email} onChange={e => setEmail(e.target.value)} error={form.field('email')} required />
            <ErrorText>{form.general}</ErrorText>
            <button type='submit' disabled={form.busy}>{form.busy ? 'Sending…' : 'Send me a link'}</button>
          </form>
          )}
      <p><Link href='/signin'>Back to sign in</Link></p>
    </section>
  )
}

export function ResetPassword () {
  useTitle('Set a new password')
  const { params } = useLocation()
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const form = useSubmit(['new_password', 'token'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      await api('POST', '/api/password-reset/confirm', { token: params.get('token') ?? '', new_password: password })
      setDone(true)
    })
  }
  return (
    <section className='page narrow'>
      <h1>Set a new password</h1>
      {done
        ? <p className='card' role='status'>Your password is changed, and every session of your account has ended. <Link href='/signin'>Sign in</Link> with the new one.</p>
        : (
          <form onSubmit={submit} noValidate className='card form'>
            <Field
              label='New password' type='password' autoComplete='new-password' value={password} onChange={e => setPassword(e.target.value)}
              error={form.field('new_password')} hint='At least 8 characters, not a common password.' required
            />
            <ErrorText>{form.field('token') ?? form.general}</ErrorText>
            {form.field('token') && <p><Link href='/forgot-password'>Ask for a new link</Link></p>}
            <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : 'Set the new password'}</button>
          </form>
          )}
    </section>
  )
}

export function ConfirmEmail () {
  useTitle('Confirm your new e-mail address')
  const { params } = useLocation()
  const [email, setEmail] = useState<string | null>(null)
  const form = useSubmit([])
  const confirm = () => {
    void form.run(async () => {
      const r = await api<{ email: string }>('POST', '/api/email-change/confirm', { token: params.get('token') ?? '' })
      setEmail(r.email)
    })
  }
  return (
    <section className='page narrow'>
      <h1>Confirm your new e-mail address</h1>
      <div className='card form'>
        {email
          ? <p role='status'>Done: your account’s e-mail address is now {email}. Sign in with it from now on.</p>
          : <button type='button' onClick={confirm} disabled={form.busy}>{form.busy ? 'Confirming…' : 'Confirm my new address'}</button>}
        <ErrorText>{form.general}</ErrorText>
      </div>
    </section>
  )
}
