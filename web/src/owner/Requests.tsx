import { useState } from 'react'
import type { Booking, OwnerBooking, Why } from '../api/types.ts'
import { BookingActions } from '../components/BookingActions.tsx'
import { BookingStatus } from '../components/BookingStatus.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, formatRange, formatTimestamp, plural } from '../format.ts'
import { useLive } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'
import { whyOf } from '../actions.ts'

type Item = OwnerBooking & Why
type Change = Pick<Booking, 'id' | 'status' | 'updated_at' | 'reason' | 'previous_status'>

/**
 * Requests on the owner's places: those waiting for an answer first, then the answered ones. A request moves from
 * the first group to the second the moment it is answered (by the owner here, or as a live message says: the
 * traveler withdrew, another stay took its dates, it expired); new requests appear as they arrive. The lists are
 * read again at every (re)connection of the live socket.
 */
export default function OwnerRequests () {
  useTitle('Requests')
  const pending = usePaged<Item>('/api/owner/bookings?status=pending', 'bookings')
  const all = usePaged<Item>('/api/owner/bookings', 'bookings')
  const [cancelledWith, setCancelledWith] = useState<Record<number, string>>({})

  const changed = (b: Change) => {
    const change = whyOf(b)
    pending.update(b.id, change)
    all.update(b.id, change)
  }
  useLive(m => {
    if (m.type === 'booking') {
      const known = [...(pending.items ?? []), ...(all.items ?? [])].some(i => i.id === m.booking.id)
      // A live booking without its reason (a server that does not send it) is read again from the lists.
      if (known) changed(m.booking)
      if (!known || (m.booking.status === 'cancelled' && !('reason' in m.booking))) { void pending.reload(); void all.reload() }
    } else if (m.type === 'ready' || (m.type === 'notification' && m.notification.type === 'booking_requested')) { void pending.reload(); void all.reload() }
  })

  /** The server cancels overlapping pending requests with the accept; show that at once, live messages confirm it. */
  const accepted = (b: Booking & Why) => {
    changed(b)
    const gone: Record<number, string> = {}
    for (const o of pending.items ?? []) {
      if (o.id !== b.id && o.property_id === b.property_id && o.status === 'pending' && o.start_date < b.end_date && b.start_date < o.end_date) {
        changed({ id: o.id, status: 'cancelled', updated_at: b.updated_at, reason: 'dates_taken', previous_status: 'pending' })
        gone[o.id] = `Its dates overlap the stay you accepted (${formatRange(b.start_date, b.end_date)}).`
      }
    }
    setCancelledWith(c => ({ ...c, ...gone }))
  }

  const waiting = (pending.items ?? []).filter(b => b.status === 'pending')
  // Answered: every non-pending request of the whole list, and those answered since the lists were read.
  const seen = new Set<number>()
  const answered = [...(all.items ?? []), ...(pending.items ?? [])]
    .filter(b => b.status !== 'pending' && !seen.has(b.id) && seen.add(b.id))
    .sort((a, b) => b.id - a.id)

  return (
    <section className='page'>
      <h1>Requests</h1>
      <h2 id='waiting'>Waiting for your answer{waiting.length > 0 ? ` (${waiting.length}${pending.next ? '+' : ''})` : ''}</h2>
      <ErrorText>{pending.error}</ErrorText>
      {!pending.items && !pending.error && <Loading what='Loading requests' />}
      {pending.items && waiting.length === 0 && <Empty><p>No request is waiting. New ones appear here as they arrive.</p></Empty>}
      {waiting.length > 0 && (
        <ul className='list' aria-labelledby='waiting' data-group='waiting'>
          {waiting.map(b => <Request key={b.id} booking={b} onAccepted={accepted} onChanged={changed} />)}
        </ul>
      )}
      {pending.next && <button type='button' className='secondary' onClick={() => { void pending.loadMore() }}>Show more waiting</button>}

      <h2 id='answered'>Answered</h2>
      <ErrorText>{all.error}</ErrorText>
      {all.items && answered.length === 0 && <Empty><p>Nothing answered yet.</p></Empty>}
      {answered.length > 0 && (
        <ul className='list' aria-labelledby='answered' data-group='answered'>
          {answered.map(b => <Request key={b.id} booking={b} note={cancelledWith[b.id]} onAccepted={accepted} onChanged={changed} />)}
        </ul>
      )}
      {all.next && <button type='button' className='secondary' onClick={() => { void all.loadMore() }}>Show more</button>}
    </section>
  )
}

interface RequestProps { booking: Item, note?: string, onAccepted (b: Booking & Why): void, onChanged (b: Change): void }

function Request ({ booking: b, note, onAccepted, onChanged }: RequestProps) {
  return (
    <li className={`card row request request-${b.status}`} data-booking={b.id}>
      <div className='row-main'>
        <h3><Link href={`/bookings/${b.id}`}>{b.traveler_name} <span className='muted'>at</span> {b.property_name}</Link></h3>
        <p>{formatRange(b.start_date, b.end_date)} · {plural(b.num_guests, 'guest')} · {formatMoney(b.total_price, b.currency)}</p>
        <p className='muted small'>Requested {formatTimestamp(b.created_at)}{b.status !== 'pending' && b.updated_at !== b.created_at ? ` · ${b.status === 'accepted' ? 'accepted' : 'closed'} ${formatTimestamp(b.updated_at)}` : ''}</p>
        {note && b.status === 'cancelled' && <p className='note'>{note}</p>}
      </div>
      <div className='row-side'>
        <BookingStatus booking={b} />
        <BookingActions
          status={b.status}
          subject={{ id: b.id, property: b.property_name, start_date: b.start_date, end_date: b.end_date, as: 'owner', other: b.traveler_name }}
          onDone={(nb, a) => { if (a === 'accept') onAccepted(nb); else onChanged(nb) }}
        />
      </div>
    </li>
  )
}
