import { useEffect, useState, type FormEvent } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Reader } from '../api/types.ts'
import { AvatarSettings } from '../components/AvatarSettings.tsx'
import { DeleteAccount } from '../account/DeleteAccount.tsx'
import { Profile } from '../account/Profile.tsx'
import { Roles } from '../account/Roles.tsx'
import { Security } from '../account/Security.tsx'
import { Select } from '../components/Field.tsx'
import { ErrorText, Loading } from '../components/Status.tsx'
import { useTitle } from '../router.tsx'
import { useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'

/** Languages Hostly offers to write dates and amounts in, with the browser's and the person's own added. */
const LOCALES = ['en', 'en-GB', 'en-US', 'pt-PT', 'pt-BR', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'nl-NL']

const browserLocale = () => navigator.language
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone

/** "português (Portugal)": each language named in itself, so a person finds their own. */
function localeName (tag: string): string {
  try { return `${new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag} (${tag})` } catch { return tag }
}

/** How a date and an amount read with these settings: the person sees what they are choosing. */
function sample (locale: string, timeZone: string): string {
  try {
    const when = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date())
    const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(1317.5)
    return `${when} · ${money}`
  } catch { return '' }
}

/** The signed-in person's settings: e-mail notifications, and the language and time zone dates are written in. */
export function Settings () {
  useTitle('Settings')
  const { user, signedIn } = useSession()
  const me = user as Reader
  const [email, setEmail] = useState<boolean | null>(null)
  const [emailError, setEmailError] = useState<string | null>(null)
  const [emailSaved, setEmailSaved] = useState<string | null>(null)
  const [locale, setLocale] = useState(me.locale ?? browserLocale())
  const [zone, setZone] = useState(me.time_zone ?? browserZone())
  const [saved, setSaved] = useState(false)
  const form = useSubmit(['locale', 'time_zone'])

  useEffect(() => {
    api<{ preferences: { email_notifications: boolean } }>('GET', '/api/me/preferences')
      .then(r => setEmail(r.preferences.email_notifications), (e: Error) => setEmailError(e.message))
  }, [])

  const toggle = async (on: boolean) => {
    setEmailError(null); setEmailSaved(null)
    const before = email
    setEmail(on)
    try {
      const r = await api<{ preferences: { email_notifications: boolean } }>('PATCH', '/api/me/preferences', { email_notifications: on })
      setEmail(r.preferences.email_notifications)
      setEmailSaved(r.preferences.email_notifications ? 'Saved: you will get an e-mail for every booking change.' : 'Saved: no more e-mails. The bell and the inbox still tell you.')
    } catch (err) {
      setEmail(before)
      setEmailError(err instanceof ApiError ? err.message : String(err))
    }
  }

  const save = (e: FormEvent) => {
    e.preventDefault()
    setSaved(false)
    void form.run(async () => {
      const { user: changed } = await api<{ user: Reader }>('PATCH', '/api/me', { locale, time_zone: zone })
      signedIn(changed)
      setSaved(true)
    })
  }

  const locales = [...new Set([...LOCALES, browserLocale(), me.locale ?? 'en', locale])]
  const zones = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), zone])]

  return (
    <section className='page narrow'>
      <h1>Settings</h1>
      <p className='muted'>Signed in as {me.name} ({me.email}).</p>

      <AvatarSettings me={me} onChange={avatar => signedIn({ ...me, avatar })} />
      <Profile me={me} />

      <section className='card form' aria-labelledby='email-title'>
        <h2 id='email-title'>E-mail</h2>
        {email === null && !emailError && <Loading what='Loading' />}
        {email !== null && (
          <label className='switch'>
            <input type='checkbox' checked={email} onChange={e => { void toggle(e.target.checked) }} />
            <span>E-mail me when a booking changes {user?.role === 'owner' ? '(a new request, a cancellation)' : user?.role === 'both' ? '(a request, an answer, a cancellation)' : '(an answer, a cancellation)'}</span>
          </label>
        )}
        <p className='muted small' role='status'>{emailSaved}</p>
        <ErrorText>{emailError}</ErrorText>
      </section>

      <form className='card form' onSubmit={save} noValidate aria-labelledby='region-title'>
        <h2 id='region-title'>Dates and amounts</h2>
        <Select label='Language and region' options={locales.map(l => [l, localeName(l)])} value={locale} onChange={e => { setLocale(e.target.value); setSaved(false) }} error={form.field('locale')} />
        <Select label='Time zone' options={zones.map(z => [z, z.replaceAll('_', ' ')])} value={zone} onChange={e => { setZone(e.target.value); setSaved(false) }} error={form.field('time_zone')} />
        <p className='hint'>Reads as: {sample(locale, zone)}</p>
        {(locale !== browserLocale() || zone !== browserZone()) && (
          <button type='button' className='link-button left' onClick={() => { setLocale(browserLocale()); setZone(browserZone()); setSaved(false) }}>
            Use this browser’s ({browserLocale()}, {browserZone().replaceAll('_', ' ')})
          </button>
        )}
        <ErrorText>{form.general}</ErrorText>
        <div className='actions'>
          <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : 'Save'}</button>
          <span role='status' className='muted'>{saved ? 'Saved. Dates now read this way everywhere, e-mails included.' : ''}</span>
        </div>
      </form>

      <Security me={me} />

      <Roles me={me} />

      <DeleteAccount />
    </section>
  )
}
