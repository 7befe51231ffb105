import { useEffect, useState, type FormEvent } from 'react'
import { api, query, type ApiError } from '../api/client.ts'
import type { SearchReply } from '../api/types.ts'
import { Field, Select } from '../components/Field.tsx'
import { PropertyCard } from '../components/PropertyCard.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatRange, nights, plural, today } from '../format.ts'
import { PROPERTY_TYPES } from '../property-types.ts'
import { Link, navigate, useLocation, useTitle } from '../router.tsx'
import { can, useSession } from '../session.tsx'

const PAGE = 12

const SORTS: Array<[string, string]> = [['', 'Best match'], ['price_asc', 'Lowest price'], ['price_desc', 'Highest price'], ['newest', 'Newest'], ['rating', 'Best rated']]
const FIELDS = ['location', 'start_date', 'end_date', 'guests', 'type', 'min_price', 'max_price', 'sort'] as const

/** The search lives in the address (?location=&start_date=&…&sort=): back, reload and sharing keep it. */
export function Search () {
  useTitle('Find a place to stay')
  const { params } = useLocation()
  const q = Object.fromEntries(FIELDS.map(k => [k, params.get(k) ?? ''])) as Record<typeof FIELDS[number], string>
  const offset = Number(params.get('offset') ?? 0) || 0
  const [form, setForm] = useState(q)
  const [reply, setReply] = useState<SearchReply | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const key = params.toString()
  const { user } = useSession()

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
        <p>Search by place or name, dates and guests: only places free for your dates are shown.</p>
      </div>
      <form className='card search' onSubmit={submit} role='search' aria-label='Search places' noValidate>
        <Field label='Where' placeholder='City, country or a place’s name' value={form.location} onChange={set('location')} error={error?.field('location')} />
        <Field label='Check-in' type='date' min={today()} value={form.start_date} onChange={set('start_date')} error={error?.field('start_date')} />
        <Field label='Check-out' type='date' min={form.start_date || today(1)} value={form.end_date} onChange={set('end_date')} error={error?.field('end_date')} />
        <Field label='Guests' type='number' min={1} inputMode='numeric' value={form.guests} onChange={set('guests')} error={error?.field('guests')} />
        <button type='submit'>Search</button>
        <div className='search-more'>
          <Select label='Type' options={[['', 'Any type'], ...PROPERTY_TYPES]} value={form.type} onChange={set('type')} error={error?.field('type')} />
          <Field label='Min per night' type='number' min={0} inputMode='decimal' value={form.min_price} onChange={set('min_price')} error={error?.field('min_price')} />
          <Field label='Max per night' type='number' min={0} inputMode='decimal' value={form.max_price} onChange={set('max_price')} error={error?.field('max_price')} />
          {/* A new order is a new search at once: nothing else to fill in. */}
          <Select label='Sort by' options={SORTS} value={form.sort} onChange={e => navigate('/' + query({ ...form, sort: e.target.value }))} error={error?.field('sort')} />
        </div>
      </form>
      {error && !error.details.length && <ErrorText>{error.message}</ErrorText>}
      {!reply && !error && <Loading what='Searching' />}
      {reply && (
        <>
          <p className='result-count' role='status'>
            {plural(reply.total, 'place')} {dated ? `free ${formatRange(q.start_date, q.end_date)}` : 'to stay'}
          </p>
          {reply.properties.length === 0 && !key
            ? <NothingListed owner={can(user, 'owner')} signedOut={user === null} />
            : reply.properties.length === 0
              ? <Empty><p>No place matches this search. Check the spelling, or try other dates, fewer guests, a wider price range or a wider area.</p></Empty>
              : (
                <ul className='grid' aria-label='Places'>
                  {reply.properties.map((p, i) => <PropertyCard key={p.id} property={p} href={`/property/${p.id}${stayQuery}`} loading={i < 3 ? 'eager' : 'lazy'} />)}
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

/** A search for anything found nothing: no place is listed yet. What to do first depends on who is looking. */
function NothingListed ({ owner, signedOut }: { owner: boolean, signedOut: boolean }) {
  return (
    <Empty>
      <p><strong>No place is listed yet.</strong></p>
      {owner && <p><Link href='/owner/properties'>List your first place</Link>: travelers find it here as soon as it is saved.</p>}
      {signedOut && <p>Own a place? <Link href='/signup'>Create an account</Link> and choose “host travelers” to list it. Looking for a stay? Come back soon.</p>}
      {!owner && !signedOut && <p>Places appear here as soon as owners list them. Come back soon.</p>}
    </Empty>
  )
}
