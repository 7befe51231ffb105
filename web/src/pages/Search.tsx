import { useEffect, useState, type FormEvent } from 'react'
import { api, query, type ApiError } from '../api/client.ts'
import type { SearchReply } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, formatRange, nights, plural, today } from '../format.ts'
import { Link, navigate, useLocation, useTitle } from '../router.tsx'

const PAGE = 12

/** The search lives in the address (?location=&start_date=&end_date=&guests=): back, reload and sharing keep it. */
export function Search () {
  useTitle('Find a place to stay')
  const { params } = useLocation()
  const q = {
    location: params.get('location') ?? '',
    start_date: params.get('start_date') ?? '',
    end_date: params.get('end_date') ?? '',
    guests: params.get('guests') ?? ''
  }
  const offset = Number(params.get('offset') ?? 0) || 0
  const [form, setForm] = useState(q)
  const [reply, setReply] = useState<SearchReply | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const key = params.toString()

  useEffect(() => setForm(q), [key])
  useEffect(() => {
    let current = true
    setReply(null); setError(null)
    api<SearchReply>('GET', '/api/properties/search' + query({ ...q, offset, limit: PAGE }))
      .then(r => { if (current) setReply(r) }, (e: ApiError) => { if (current) setError(e) })
    return () => { current = false }
  }, [key])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    navigate('/' + query(form))
  }
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm(f => ({ ...f, [k]: e.target.value }))
  const dated = q.start_date && q.end_date && nights(q.start_date, q.end_date) > 0
  const stayQuery = query({ start_date: q.start_date, end_date: q.end_date, guests: q.guests })

  return (
    <section className='page'>
      <div className='hero'>
        <h1>Find a place to stay</h1>
        <p>Search by place, dates and guests: only places free for your dates are shown.</p>
      </div>
      <form className='card search' onSubmit={submit} role='search' aria-label='Search places' noValidate>
        <Field label='Where' placeholder='City, region or country' value={form.location} onChange={set('location')} error={error?.field('location')} />
        <Field label='Check-in' type='date' min={today()} value={form.start_date} onChange={set('start_date')} error={error?.field('start_date')} />
        <Field label='Check-out' type='date' min={form.start_date || today(1)} value={form.end_date} onChange={set('end_date')} error={error?.field('end_date')} />
        <Field label='Guests' type='number' min={1} inputMode='numeric' value={form.guests} onChange={set('guests')} error={error?.field('guests')} />
        <button type='submit'>Search</button>
      </form>
      {error && !error.details.length && <ErrorText>{error.message}</ErrorText>}
      {!reply && !error && <Loading what='Searching' />}
      {reply && (
        <>
          <p className='result-count' role='status'>
            {plural(reply.total, 'place')} {dated ? `free ${formatRange(q.start_date, q.end_date)}` : 'to stay'}
          </p>
          {reply.properties.length === 0
            ? <Empty><p>No place matches this search. Try other dates, fewer guests or a wider area.</p></Empty>
            : (
              <ul className='grid' aria-label='Places'>
                {reply.properties.map(p => (
                  <li key={p.id} className='card property-card'>
                    <h2><Link href={`/property/${p.id}${stayQuery}`}>{p.name}</Link></h2>
                    <p className='muted'>{[p.city, p.state, p.country].filter(Boolean).join(', ')}</p>
                    <p>{p.property_type} · {plural(p.bedrooms, 'bedroom')} · up to {plural(p.max_guests, 'guest')}</p>
                    <p className='price'><strong>{formatMoney(p.price_per_night)}</strong> a night</p>
                  </li>
                ))}
              </ul>
              )}
          {(offset > 0 || offset + PAGE < reply.total) && (
            <nav className='pager' aria-label='Result pages'>
              {offset > 0 && <Link href={'/' + query({ ...q, offset: Math.max(0, offset - PAGE) })}>Previous</Link>}
              {offset + PAGE < reply.total && <Link href={'/' + query({ ...q, offset: offset + PAGE })}>Next</Link>}
            </nav>
          )}
        </>
      )}
    </section>
  )
}
