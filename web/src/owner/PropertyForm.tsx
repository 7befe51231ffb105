import { useId, useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Property } from '../api/types.ts'
import { Field, Select, TextArea } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { currencySymbol } from '../format.ts'
import { PROPERTY_TYPES } from '../property-types.ts'
import { useSubmit } from '../useSubmit.ts'

const EMPTY = {
  name: '',
  description: '',
  city: '',
  state: '',
  country: '',
  property_type: 'apartment',
  price_per_night: '',
  currency: 'EUR',
  bedrooms: '1',
  bathrooms: '1',
  max_guests: '2',
  amenities: '',
  cleaning_fee: '0',
  tax_rate: '0',
  house_rules: '',
  check_in_time: '15:00',
  check_out_time: '11:00',
  min_nights: '1'
}
type Values = typeof EMPTY
/** A property as the form's text boxes hold it. */
const valuesOf = (p: Property): Values => {
  const text = Object.fromEntries(Object.keys(EMPTY).map(k => [k, String(p[k as keyof Values])])) as Values
  return { ...text, amenities: p.amenities.join(', ') }
}
const FIELDS = Object.keys(EMPTY)
/** The currencies offered first; the API takes any ISO 4217 code. */
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'BRL', 'CAD', 'AUD', 'JPY', 'SEK', 'DKK', 'NOK', 'PLN', 'CZK', 'MXN']

/** Numbers as numbers (the API takes JSON as typed); an empty box is left out, so the API says it is required. */
const num = (v: string) => v.trim() === '' ? undefined : Number(v)

/** The form to list a property, or to edit one (`editing`): every field, sent whole (PATCH takes them all too). */
export function PropertyForm ({ editing, onDone }: { editing?: Property, onDone (p?: Property): void }) {
  const [v, setV] = useState(editing ? valuesOf(editing) : EMPTY)
  const form = useSubmit(FIELDS)
  const titleId = useId()
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
        min_nights: num(v.min_nights),
        cleaning_fee: num(v.cleaning_fee),
        tax_rate: num(v.tax_rate),
        amenities: v.amenities.split(',').map(a => a.trim()).filter(Boolean)
      }
      const { property } = editing
        ? await api<{ property: Property }>('PATCH', `/api/properties/${editing.id}`, body)
        : await api<{ property: Property }>('POST', '/api/properties', body)
      onDone(property)
    })
  }

  return (
    <form className='card form wide' onSubmit={submit} noValidate aria-labelledby={titleId}>
      <h2 id={titleId}>{editing ? `Edit ${editing.name}` : 'Add a property'}</h2>
      <div className='cols'>
        <Field label='Name' {...f('name')} />
        <Select label='Type' options={PROPERTY_TYPES} {...f('property_type')} />
        <Field label='City' autoComplete='address-level2' {...f('city')} />
        <Field label='State or region' autoComplete='address-level1' {...f('state')} />
        <Field label='Country' autoComplete='country-name' {...f('country')} />
        <Select label='Currency' options={CURRENCIES.map(c => [c, `${c} (${currencySymbol(c)})`])} {...f('currency')} />
        <Field label={`Price per night (${currencySymbol(v.currency)})`} type='number' step='0.01' min='0.01' inputMode='decimal' {...f('price_per_night')} />
        <Field label={`Cleaning fee (${currencySymbol(v.currency)})`} type='number' step='0.01' min='0' inputMode='decimal' {...f('cleaning_fee')} />
        <Field label='Tax rate (%)' type='number' step='0.01' min='0' max='100' inputMode='decimal' {...f('tax_rate')} />
        <Field label='Bedrooms' type='number' min='0' inputMode='numeric' {...f('bedrooms')} />
        <Field label='Bathrooms' type='number' min='0' inputMode='numeric' {...f('bathrooms')} />
        <Field label='Guests at most' type='number' min='1' inputMode='numeric' {...f('max_guests')} />
        <Field label='Amenities' hint='Separated by commas: wifi, kitchen, parking' {...f('amenities')} />
        <Field label='Check-in from' type='time' {...f('check_in_time')} />
        <Field label='Check-out by' type='time' {...f('check_out_time')} />
        <Field label='Fewest nights' type='number' min='1' max='365' inputMode='numeric' {...f('min_nights')} />
      </div>
      <TextArea label='Description' rows={4} {...f('description')} />
      <TextArea label='House rules' rows={3} hint='What guests must know: quiet hours, pets, smoking.' {...f('house_rules')} />
      <ErrorText>{form.general}</ErrorText>
      <div className='actions'>
        <button type='submit' disabled={form.busy}>{form.busy ? 'Saving…' : editing ? 'Save changes' : 'List this property'}</button>
        <button type='button' className='secondary' onClick={() => onDone()}>Cancel</button>
      </div>
    </form>
  )
}
