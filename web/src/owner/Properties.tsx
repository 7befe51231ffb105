import { useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Photo, Property } from '../api/types.ts'
import { Field, Select, TextArea } from '../components/Field.tsx'
import { CoverPicture } from '../components/Picture.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { currencySymbol, formatMoney, plural } from '../format.ts'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'
import { useSubmit } from '../useSubmit.ts'
import { PROPERTY_TYPES } from '../property-types.ts'
import { PhotoManager } from './PhotoManager.tsx'

/** The owner's places, and the form to list one more. */
export default function OwnerProperties () {
  useTitle('My properties')
  const list = usePaged<Property>('/api/owner/properties', 'properties')
  const [adding, setAdding] = useState(false)

  return (
    <section className='page'>
      <div className='title-row'>
        <h1>My properties</h1>
        {!adding && <button type='button' onClick={() => setAdding(true)}>Add a property</button>}
      </div>
      {adding && <AddProperty onDone={p => { setAdding(false); if (p) list.setItems(items => [p, ...(items ?? [])]) }} />}
      <ErrorText>{list.error}</ErrorText>
      {!list.items && !list.error && <Loading what='Loading your properties' />}
      {list.items?.length === 0 && !adding && <Empty><p>You have not listed a place yet. Add one to start receiving requests.</p></Empty>}
      {list.items && list.items.length > 0 && (
        <ul className='grid' aria-label='My properties'>
          {list.items.map(p => (
            <li key={p.id} className='card property-card'>
              <CoverPicture property={p} />
              <h2><Link href={`/property/${p.id}`}>{p.name}</Link></h2>
              <p className='muted'>{[p.city, p.state, p.country].join(', ')}</p>
              <p>{p.property_type} · up to {plural(p.max_guests, 'guest')}</p>
              <p className='price'><strong>{formatMoney(p.price_per_night, p.currency)}</strong> a night</p>
              <Photos property={p} onChange={photos => list.setItems(items => items?.map(o => o.id === p.id ? { ...o, photos } : o) ?? items)} />
            </li>
          ))}
        </ul>
      )}
      {list.next && <button type='button' className='secondary' onClick={() => { void list.loadMore() }}>Show more</button>}
    </section>
  )
}

/** The photo manager of one place, opened by its button. */
function Photos ({ property, onChange }: { property: Property, onChange (photos: Photo[]): void }) {
  const [open, setOpen] = useState(false)
  const id = `photos-${property.id}`
  return (
    <>
      <button type='button' className='secondary small' aria-expanded={open} aria-controls={id} onClick={() => setOpen(o => !o)}>
        {open ? 'Close photos' : `Photos (${property.photos.length})`}
      </button>
      <div id={id} hidden={!open}>{open && <PhotoManager property={property} onChange={onChange} />}</div>
    </>
  )
}

const EMPTY = { name: '', description: '', city: '', state: '', country: '', property_type: 'apartment', price_per_night: '', currency: 'EUR', bedrooms: '1', bathrooms: '1', max_guests: '2', amenities: '' }
const FIELDS = Object.keys(EMPTY)
/** The currencies offered first; the API takes any ISO 4217 code. */
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'BRL', 'CAD', 'AUD', 'JPY', 'SEK', 'DKK', 'NOK', 'PLN', 'CZK', 'MXN']

/** Numbers as numbers (the API takes JSON as typed); an empty box is left out, so the API says it is required. */
const num = (v: string) => v.trim() === '' ? undefined : Number(v)

function AddProperty ({ onDone }: { onDone (p?: Property): void }) {
  const [v, setV] = useState(EMPTY)
  const form = useSubmit(FIELDS)
  const set = (k: keyof typeof EMPTY) => (e: { target: { value: string } }) => setV(s => ({ ...s, [k]: e.target.value }))
  const f = (k: keyof typeof EMPTY) => ({ value: v[k], onChange: set(k), error: form.field(k) })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      const body = {
        ...v,
        price_per_night: num(v.price_per_night),
        bedrooms: num(v.bedrooms),
        bathrooms: num(v.bathrooms),
        max_guests: num(v.max_guests),
        amenities: v.amenities.split(',').map(a => a.trim()).filter(Boolean)
      }
      const { property } = await api<{ property: Property }>('POST', '/api/properties', body)
      onDone(property)
    })
  }

  return (
    <form className='card form wide' onSubmit={submit} noValidate aria-labelledby='add-title'>
      <h2 id='add-title'>Add a property</h2>
      <div className='cols'>
        <Field label='Name' {...f('name')} />
        <Select label='Type' options={PROPERTY_TYPES} {...f('property_type')} />
        <Field label='City' autoComplete='address-level2' {...f('city')} />
        <Field label='State or region' autoComplete='address-level1' {...f('state')} />
        <Field label='Country' autoComplete='country-name' {...f('country')} />
        <Select label='Currency' options={CURRENCIES.map(c => [c, `${c} (${currencySymbol(c)})`])} {...f('currency')} />
        <Field label={`Price per night (${currencySymbol(v.currency)})`} type='number' step='0.01' min='0.01' inputMode='decimal' {...f('price_per_night')} />
        <Field label='Bedrooms' type='number' min='0' inputMode='numeric' {...f('bedrooms')} />
        <Field label='Bathrooms' type='number' min='0' inputMode='numeric' {...f('bathrooms')} />
        <Field label='Guests at most' type='number' min='1' inputMode='numeric' {...f('max_guests')} />
        <Field label='Amenities' hint='Separated by commas: wifi, kitchen, parking' {...f('amenities')} />
      </div>
      <TextArea label='Description' rows={4} {...f('description')} />
      <ErrorText>{form.general}</ErrorText>
      <div className='actions'>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : 'List this property'}</button>
        <button type='button' className='secondary' onClick={() => onDone()}>Cancel</button>
      </div>
    </form>
  )
}
