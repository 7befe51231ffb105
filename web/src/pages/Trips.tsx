import type { TravelerBooking, Why } from '../api/types.ts'
import { whyOf } from '../actions.ts'
import { BookingActions } from '../components/BookingActions.tsx'
import { BookingStatus } from '../components/BookingStatus.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, formatRange, formatTimestamp, plural, today } from '../format.ts'
import { useLive } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'

type Item = TravelerBooking & Why

/** Which group a trip is in: still to come (asked or accepted), stayed, or cancelled (for whatever reason). */
export function tripGroup (b: Pick<Item, 'status' | 'end_date'>, day = today()): 'upcoming' | 'past' | 'cancelled' {
  if (b.status === 'cancelled') return 'cancelled'
  return b.end_date > day ? 'upcoming' : 'past'
}

const GROUPS = [
  { key: 'upcoming', title: 'Upcoming', empty: <>Nothing planned. <Link href='/'>Find a place to stay</Link>.</> },
  { key: 'past', title: 'Past', empty: 'No past stays yet.' },
  { key: 'cancelled', title: 'Cancelled', empty: 'Nothing cancelled.' }
] as const

/**
 * The traveler's trips in three groups: upcoming (soonest first), past and cancelled (latest first). An owner's
 * answer moves a trip between groups as it happens.
 */
export function Trips () {
  useTitle('My trips')
  const trips = usePaged<Item>('/api/bookings/me', 'bookings')
  useLive(m => {
    if (m.type === 'booking') {
      trips.update(m.booking.id, whyOf(m.booking))
      if (m.booking.status === 'cancelled' && !('reason' in m.booking)) void trips.reload()
    } else if (m.type === 'ready' || (m.type === 'notification' && m.notification.type !== 'booking_requested')) void trips.reload()
  })

  const day = today()
  const items = trips.items ?? []
  const group = (k: string) => items.filter(b => tripGroup(b, day) === k)
    .sort((a, b) => k === 'upcoming' ? a.start_date.localeCompare(b.start_date) : k === 'past' ? b.start_date.localeCompare(a.start_date) : b.updated_at.localeCompare(a.updated_at))

  return (
    <section className='page'>
      <h1>My trips</h1>
      <ErrorText>{trips.error}</ErrorText>
      {!trips.items && !trips.error && <Loading what='Loading your trips' />}
      {trips.items?.length === 0 && <Empty><p>No trips yet. <Link href='/'>Find a place to stay</Link>.</p></Empty>}
      {items.length > 0 && GROUPS.map(g => {
        const list = group(g.key)
        return (
          <section key={g.key} aria-labelledby={`trips-${g.key}`}>
            <h2 id={`trips-${g.key}`}>{g.title} <span className='muted count'>({list.length})</span></h2>
            {list.length === 0
              ? <p className='muted'>{g.empty}</p>
              : (
                <ul className='list' aria-labelledby={`trips-${g.key}`} data-group={g.key}>
                  {list.map(b => <Trip key={b.id} booking={b} onChange={nb => trips.update(b.id, nb)} />)}
                </ul>
                )}
          </section>
        )
      })}
      {trips.next && <button type='button' className='secondary' onClick={() => { void trips.loadMore() }}>Show more</button>}
    </section>
  )
}

function Trip ({ booking: b, onChange }: { booking: Item, onChange (b: Partial<Item>): void }) {
  return (
    <li className='card row' data-booking={b.id}>
      <div className='row-main'>
        <h3><Link href={`/bookings/${b.id}`}>{b.property_name}</Link></h3>
        <p>{formatRange(b.start_date, b.end_date)} · {plural(b.num_guests, 'guest')} · {formatMoney(b.total_price, b.currency)}</p>
        <p className='muted small'>Requested {formatTimestamp(b.created_at)}</p>
      </div>
      <div className='row-side'>
        <BookingStatus booking={b} />
        <BookingActions
          status={b.status}
          subject={{ id: b.id, property: b.property_name, start_date: b.start_date, end_date: b.end_date, as: 'traveler' }}
          onDone={nb => onChange(whyOf(nb))}
        />
      </div>
    </li>
  )
}
