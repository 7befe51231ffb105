import { useState } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Booking, TravelerBooking } from '../api/types.ts'
import { BookingStatus } from '../components/BookingStatus.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, formatRange, formatTimestamp, plural } from '../format.ts'
import { useLive } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'

/** The traveler's requests, newest first; an owner's answer changes the status here as it happens. */
export function Trips () {
  useTitle('My trips')
  const trips = usePaged<TravelerBooking>('/api/bookings/me', 'bookings')
  useLive(m => {
    if (m.type === 'booking') trips.update(m.booking.id, { status: m.booking.status, updated_at: m.booking.updated_at })
    else if (m.type === 'ready' || m.notification.type !== 'booking_requested') void trips.reload()
  })

  return (
    <section className='page'>
      <h1>My trips</h1>
      <ErrorText>{trips.error}</ErrorText>
      {!trips.items && !trips.error && <Loading what='Loading your trips' />}
      {trips.items?.length === 0 && <Empty><p>No trips yet. <Link href='/'>Find a place to stay</Link>.</p></Empty>}
      {trips.items && trips.items.length > 0 && (
        <ul className='list' aria-label='Trips'>
          {trips.items.map(b => <Trip key={b.id} booking={b} onChange={nb => trips.update(b.id, nb)} />)}
        </ul>
      )}
      {trips.next && <button type='button' className='secondary' onClick={() => { void trips.loadMore() }}>Show more</button>}
    </section>
  )
}

function Trip ({ booking: b, onChange }: { booking: TravelerBooking, onChange (b: Partial<TravelerBooking>): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const cancel = async () => {
    setBusy(true); setError(null)
    try {
      const { booking } = await api<{ booking: Booking }>('POST', `/api/bookings/${b.id}/cancel`)
      onChange({ status: booking.status, updated_at: booking.updated_at })
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally { setBusy(false) }
  }
  return (
    <li className='card row' data-booking={b.id}>
      <div className='row-main'>
        <h2><Link href={`/property/${b.property_id}`}>{b.property_name}</Link></h2>
        <p>{formatRange(b.start_date, b.end_date)} · {plural(b.num_guests, 'guest')} · {formatMoney(b.total_price)}</p>
        <p className='muted small'>Requested {formatTimestamp(b.created_at)}</p>
      </div>
      <div className='row-side'>
        <BookingStatus status={b.status} />
        {b.status !== 'cancelled' && (
          <button
            type='button' className='secondary danger' disabled={busy} onClick={() => { void cancel() }}
            aria-label={`Cancel the stay at ${b.property_name}, ${formatRange(b.start_date, b.end_date)}`}
          >
            {busy ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        <ErrorText>{error}</ErrorText>
      </div>
    </li>
  )
}
