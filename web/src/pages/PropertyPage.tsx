import { useEffect, useState, type FormEvent } from 'react'
import { api, type ApiError } from '../api/client.ts'
import type { Booking, Property, QuoteReply, TakenReply } from '../api/types.ts'
import { Calendar } from '../components/Calendar.tsx'
import { Composer } from '../components/Conversation.tsx'
import { FavoriteButton } from '../components/FavoriteButton.tsx'
import { Field } from '../components/Field.tsx'
import { Gallery } from '../components/Gallery.tsx'
import { PriceLines } from '../components/PriceLines.tsx'
import { PropertyReviews } from '../components/Reviews.tsx'
import { ErrorText, Loading } from '../components/Status.tsx'
import { formatDate, formatMoney, formatRange, nights, plural, today } from '../format.ts'
import { Link, useLocation, useTitle } from '../router.tsx'
import { can, useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'

type Taken = TakenReply['taken']

const overlaps = (taken: Taken, start: string, end: string) =>
  start && end ? taken.find(t => t.start_date < end && start < t.end_date) : undefined

export function PropertyPage ({ id }: { id: string }) {
  const [property, setProperty] = useState<Property | null>(null)
  const [taken, setTaken] = useState<Taken>([])
  const [error, setError] = useState<string | null>(null)
  const { user } = useSession()
  useTitle(property?.name ?? 'Place')

  useEffect(() => {
    let current = true
    Promise.all([
      api<{ property: Property }>('GET', `/api/properties/${encodeURIComponent(id)}`),
      api<TakenReply>('GET', `/api/properties/${encodeURIComponent(id)}/taken`)
    ]).then(([p, t]) => { if (current) { setProperty(p.property); setTaken(t.taken) } },
      (e: ApiError) => { if (current) setError(e.status === 404 ? 'This place does not exist, or is no longer listed.' : e.message) })
    return () => { current = false }
  }, [id])

  if (error) return <section className='page narrow'><h1>Place not found</h1><ErrorText>{error}</ErrorText><p><Link href='/'>Back to search</Link></p></section>
  if (!property) return <section className='page'><Loading /></section>

  return (
    <section className='page property'>
      <div className='property-main'>
        <p className='crumbs'><Link href='/'>Search</Link></p>
        <div className='card-title'>
          <h1>{property.name}</h1>
          {property.favorite !== undefined && <FavoriteButton id={property.id} name={property.name} saved={property.favorite} />}
        </div>
        {!property.listed && <p className='notice' role='status'>This place is not taking requests right now: its owner has unlisted it.</p>}
        <p className='muted'>{[property.city, property.state, property.country].filter(Boolean).join(', ')}</p>
        <Gallery photos={property.photos} name={property.name} />
        <p className='price'><strong>{formatMoney(property.price_per_night, property.currency)}</strong> a night</p>
        <dl className='facts'>
          <div><dt>Type</dt><dd>{property.property_type}</dd></div>
          <div><dt>Bedrooms</dt><dd>{property.bedrooms}</dd></div>
          <div><dt>Bathrooms</dt><dd>{property.bathrooms}</dd></div>
          <div><dt>Guests</dt><dd>up to {property.max_guests}</dd></div>
          <div><dt>Check-in</dt><dd>from {property.check_in_time}</dd></div>
          <div><dt>Check-out</dt><dd>by {property.check_out_time}</dd></div>
          {property.min_nights > 1 && <div><dt>Stays</dt><dd>{plural(property.min_nights, 'night')} at least</dd></div>}
        </dl>
        <p className='description'>{property.description}</p>
        {property.amenities.length > 0 && (
          <>
            <h2>Amenities</h2>
            <ul className='tags'>{property.amenities.map(a => <li key={a}>{a}</li>)}</ul>
          </>
        )}
        {property.house_rules && (
          <>
            <h2>House rules</h2>
            <p className='description'>{property.house_rules}</p>
          </>
        )}
        <h2>Dates already taken</h2>
        {taken.length === 0
          ? <p>None: every date is open.</p>
          : <ul className='taken' aria-label='Dates already taken'>{taken.map(t => <li key={t.start_date}>{formatRange(t.start_date, t.end_date)}</li>)}</ul>}
        <PropertyReviews propertyId={property.id} isHost={user?.id === property.owner_id} />
        <AskHost property={property} />
      </div>
      {property.listed && <BookingForm property={property} taken={taken} />}
    </section>
  )
}

function BookingForm ({ property, taken }: { property: Property, taken: Taken }) {
  const { user } = useSession()
  const { path, params } = useLocation()
  const [start, setStart] = useState(params.get('start_date') ?? '')
  const [end, setEnd] = useState(params.get('end_date') ?? '')
  const [guests, setGuests] = useState(params.get('guests') ?? '1')
  const [sent, setSent] = useState<Booking | null>(null)
  const form = useSubmit(['start_date', 'end_date', 'num_guests'])
  const n = nights(start, end)
  const clash = overlaps(taken, start, end)
  const quote = useQuote(property.id, n > 0 && !clash ? start : '', end)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      const body = { property_id: property.id, start_date: start, end_date: end, num_guests: guests === '' ? undefined : Number(guests) }
      const { booking } = await api<{ booking: Booking }>('POST', '/api/bookings', body)
      setSent(booking)
    })
  }

  if (sent) {
    return (
      <aside className='card booking-form' aria-labelledby='book-title'>
        <h2 id='book-title'>Request sent</h2>
        <p role='status'>Your request for {formatRange(sent.start_date, sent.end_date)} ({sent.price ? formatMoney(sent.price.total as `${number}`, sent.currency) : formatMoney(sent.total_price, sent.currency)}) is <span className='status status-pending'>awaiting answer</span>. The owner answers soon; you will be notified.</p>
        <p className='actions'><Link href={`/bookings/${sent.id}`} className='button'>See the booking</Link> <Link href='/trips' className='button secondary'>See my trips</Link></p>
      </aside>
    )
  }

  return (
    <aside className='card booking-form' aria-labelledby='book-title'>
      <h2 id='book-title'>Book a stay</h2>
      <form onSubmit={submit} noValidate>
        <Calendar propertyId={property.id} start={start} end={end} onPick={(s, e) => { setStart(s); setEnd(e) }} />
        <Field
          label='Check-in' type='date' min={today()} value={start} onChange={e => setStart(e.target.value)}
          error={form.field('start_date') ?? (clash ? `Taken ${formatRange(clash.start_date, clash.end_date)}.` : undefined)}
        />
        <Field label='Check-out' type='date' min={start || today(1)} value={end} onChange={e => setEnd(e.target.value)} error={form.field('end_date')} />
        <Field
          label='Guests' type='number' min={1} max={property.max_guests} inputMode='numeric' value={guests} onChange={e => setGuests(e.target.value)}
          error={form.field('num_guests')} hint={`Up to ${property.max_guests}.`}
        />
        <div className='total' aria-live='polite'>
          {quote && n > 0
            ? <PriceLines price={quote.price} currency={quote.currency} label='Price of the stay' />
            : <p>Choose your dates to see the price.</p>}
        </div>
        <ErrorText>{form.general}</ErrorText>
        {user === null && <Link className='button' href={'/signin?next=' + encodeURIComponent(path + location.search)}>Sign in to book</Link>}
        {user && user.id === property.owner_id && <p className='notice'>This is your place: guests book it here.</p>}
        {user && user.id !== property.owner_id && !can(user, 'traveler') && <p className='notice'>To request a stay, <Link href='/settings'>start travelling</Link> from your settings: one account can host and travel.</p>}
        {user && user.id !== property.owner_id && can(user, 'traveler') && <button type='submit' disabled={form.busy}>{form.busy ? 'Sending…' : 'Request to book'}</button>}
        {start && n === 0 && end && <p className='hint'>Check-out must be after check-in ({formatDate(start)}).</p>}
      </form>
    </aside>
  )
}

/** A signed-in traveler's question to the host, before any request: it opens a conversation (or continues theirs). */
function AskHost ({ property }: { property: Property }) {
  const { user } = useSession()
  const { path } = useLocation()
  const [threadId, setThreadId] = useState<number | null>(null)
  if (user?.role === 'owner') return null
  return (
    <section className='ask-host' aria-labelledby='ask-title'>
      <h2 id='ask-title'>Ask the host</h2>
      {user === null && <p><Link href={'/signin?next=' + encodeURIComponent(path + location.search)}>Sign in to ask the host a question</Link>.</p>}
      {user && (
        <>
          <p className='muted'>A question about the place before you request a stay: the host answers in your messages.</p>
          <Composer to={`/api/properties/${property.id}/questions`} label='Your question' button='Ask the host' onSent={m => setThreadId(m.thread_id)} />
          {threadId !== null && <p role='status'>Sent to the host. <Link href={`/threads/${threadId}`}>See the conversation</Link></p>}
        </>
      )}
    </section>
  )
}

/** The quote of the stay (GET /api/properties/:id/quote) once both dates are chosen; null meanwhile. */
function useQuote (id: number, start: string, end: string) {
  const [quote, setQuote] = useState<QuoteReply | null>(null)
  useEffect(() => {
    setQuote(null)
    if (!start || !end) return
    let current = true
    api<QuoteReply>('GET', `/api/properties/${id}/quote?start_date=${start}&end_date=${end}`)
      .then(q => { if (current) setQuote(q) }, () => {})
    return () => { current = false }
  }, [id, start, end])
  return quote
}
