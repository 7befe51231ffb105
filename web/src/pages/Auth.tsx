import { useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Role, User } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { Link, navigate, useLocation, useTitle } from '../router.tsx'
import { useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'

/** Where to go after signing in: the page that sent the person here (same site only), else their home. */
function nextPage (params: URLSearchParams, role: Role) {
  const next = params.get('next')
  if (next && next.startsWith('/') && !next.startsWith('//')) return next
  return role === 'owner' ? '/owner/requests' : '/'
}

export function SignIn () {
  useTitle('Sign in')
  const { params } = useLocation()
  const { signedIn } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const form = useSubmit(['email', 'password'])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      const { user } = await api<{ user: User }>('POST', '/api/auth/login', { email, password })
      signedIn(user)
      navigate(nextPage(params, user.role), { replace: true })
    })
  }

  return (
    <section className='page narrow'>
      <h1>Sign in</h1>
      {params.get('next') && <p className='notice'>Sign in to continue.</p>}
      <form onSubmit={submit} noValidate className='card form'>
        <Field label='E-mail' type='email' autoComplete='email' value={email} onChange={e => setEmail(e.target.value)} error={form.field('email')} required />
        <Field label='Password' type='password' autoComplete='current-password' value={password} onChange={e => setPassword(e.target.value)} error={form.field('password')} required />
        <ErrorText>{form.general}</ErrorText>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p><Link href='/forgot-password'>Forgot your password?</Link></p>
      <p>New to Hostly? <Link href={'/signup' + (params.get('next') ? '?next=' + encodeURIComponent(params.get('next')!) : '')}>Create an account</Link></p>
    </section>
  )
}

export function SignUp () {
  useTitle('Sign up')
  const { params } = useLocation()
  const { signedIn } = useSession()
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('traveler')
  const form = useSubmit(['name', 'email', 'password', 'role'])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      // Dates and amounts are written as this browser writes them, until the person changes it in Settings.
      const locale = navigator.language
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
      const { user } = await api<{ user: User }>('POST', '/api/auth/register', { name, email, password, role, locale, time_zone: zone })
      signedIn(user)
      // A new owner has nothing to answer yet: the first thing to do is list a place.
      navigate(user.role === 'owner' && !params.get('next') ? '/owner/properties' : nextPage(params, user.role), { replace: true })
    })
  }

  return (
    <section className='page narrow'>
      <h1>Create an account</h1>
      <form onSubmit={submit} noValidate className='card form'>
        <fieldset className='choice'>
          <legend>I want to</legend>
          <label><input type='radio' name='role' value='traveler' checked={role === 'traveler'} onChange={() => setRole('traveler')} /> find places to stay</label>
          <label><input type='radio' name='role' value='owner' checked={role === 'owner'} onChange={() => setRole('owner')} /> host travelers</label>
          <label><input type='radio' name='role' value='both' checked={role === 'both'} onChange={() => setRole('both')} /> both</label>
        </fieldset>
        <Field label='Name' autoComplete='name' value={name} onChange={e => setName(e.target.value)} error={form.field('name')} required />
        <Field label='E-mail' type='email' autoComplete='email' value={email} onChange={e => setEmail(e.target.value)} error={form.field('email')} required />
        <Field
          label='Password' type='password' autoComplete='new-password' value={password} onChange={e => setPassword(e.target.value)}
          error={form.field('password')} hint='At least 8 characters, not a common password.' required
        />
        <ErrorText>{form.general}</ErrorText>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Creating…' : 'Create account'}</button>
      </form>
      <p>Have an account? <Link href='/signin'>Sign in</Link></p>
    </section>
  )
}
