import { useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Reader } from '../api/types.ts'
import { Field, TextArea } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'

/** Languages typed as "en, pt-PT": tags apart, blanks dropped. */
const tags = (text: string) => text.split(/[,\s]+/).filter(Boolean)

/** The profile the other party of a booking sees: name, about, city, languages. Never the e-mail address. */
export function Profile ({ me }: { me: Reader }) {
  const { signedIn } = useSession()
  const [name, setName] = useState(me.name)
  const [about, setAbout] = useState(me.about)
  const [city, setCity] = useState(me.city)
  const [languages, setLanguages] = useState(me.languages.join(', '))
  const [saved, setSaved] = useState(false)
  const form = useSubmit(['name', 'about', 'city', 'languages'])

  const save = (e: FormEvent) => {
    e.preventDefault()
    setSaved(false)
    void form.run(async () => {
      const { user } = await api<{ user: Reader }>('PATCH', '/api/me', { name, about, city, languages: tags(languages) })
      signedIn(user)
      setLanguages(user.languages.join(', '))
      setSaved(true)
    })
  }

  return (
    <form className='card form' onSubmit={save} noValidate aria-labelledby='profile-title'>
      <h2 id='profile-title'>Profile</h2>
      <p className='muted small'>Shown to your hosts and guests on your bookings. Your e-mail address is never shown to them.</p>
      <Field label='Name' autoComplete='name' value={name} onChange={e => { setName(e.target.value); setSaved(false) }} error={form.field('name')} />
      <Field label='City' autoComplete='address-level2' value={city} onChange={e => { setCity(e.target.value); setSaved(false) }} error={form.field('city')} />
      <Field
        label='Languages you speak' value={languages} onChange={e => { setLanguages(e.target.value); setSaved(false) }}
        error={form.field('languages')} hint='Language codes separated by commas, such as en, pt, fr-CA.'
      />
      <TextArea label='About you' value={about} maxLength={1000} rows={4} onChange={e => { setAbout(e.target.value); setSaved(false) }} error={form.field('about')} />
      <ErrorText>{form.general}</ErrorText>
      <div className='actions'>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : 'Save profile'}</button>
        <span role='status' className='muted'>{saved ? 'Saved.' : ''}</span>
      </div>
    </form>
  )
}
