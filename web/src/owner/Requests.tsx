import { useState } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Booking, OwnerBooking } from '../api/types.ts'
import { BookingStatus } from '../components/BookingStatus.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, formatRange, formatTimestamp, plural } from '../format.ts'
import { useLive } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'

/**
 * Requests on the owner's places: those waiting for an answer first, then the answered ones. An answer changes a
 * request in place (so the owner sees what happened: the accepted one, and the overlapping ones cancelled with
 * it); new requests appear as they arrive. The lists are read again at every (re)connection of the live socket.
 */
export default function OwnerRequests () {
  useTitle('Requests')
  const pending = usePaged<OwnerBooking>('/api/owner/bookings?status=pending', 'bookings')
  const all = usePaged<OwnerBooking>('/api/owner/bookings', 'bookings')
  const [cancelledWith, setCancelledWith] = useState<Record<number, string>>({})

  const changed = (b: Pick<Booking, 'id' | 'status' | 'updated_at'>) => {
    pending.update(b.id, { status: b.status, updated_at: b.updated_at })
    all.update(b.id, { status: b.status, updated_at: b.updated_at })
  }
  useLive(m => {
    if (m.type === 'booking') changed(m.booking)
    else if (m.type === 'ready' || m.notification.type === 'booking_requested') { void pending.reload(); void all.reload() }
  })

  /** The server cancels overlapping pending requests with the accept; show that at once, live messages confirm it. */
  const accepted = (b: Booking) => {
    changed(b)
    const gone: Record<number, string> = {}
    for (const o of pending.items ?? []) {
      if (o.id !== b.id && o.property_id === b.property_id && o.status === 'pending' && o.start_date < b.end_date && b.start_date < o.end_date) {
        changed({ id: o.id, status: 'cancelled', updated_at: b.updated_at })
        gone[o.id] = `Cancelled: its dates overlap the stay you accepted (${formatRange(b.start_date, b.end_date)}).`
      }
    }
    setCancelledWith(c => ({ ...c, ...gone }))
  }

  const pendingIds = new Set((pending.items ?? []).map(b => b.id))
  const answered = (all.items ?? []).filter(b => b.status !== 'pending' && !pendingIds.has(b.id))

  return (
    <section className='page'>
      <h1>Requests</h1>
      <h2>Waiting for your answer</h2>
      <ErrorText>{pending.error}</ErrorText>
      {!pending.items && !pending.error && <Loading what='Loading requests' />}
      {pending.items?.length === 0 && <Empty><p>No request is waiting. New ones appear here as they arrive.</p></Empty>}
      {pending.items && pending.items.length > 0 && (
        <ul className='list' aria-label='Waiting for your answer'>
          {pending.items.map(b => <Request key={b.id} booking={b} note={cancelledWith[b.id]} onAccepted={accepted} onChanged={changed} />)}
        </ul>
      )}
      {pending.next && <button type='button' className='secondary' onClick={() => { void pending.loadMore() }}>Show more waiting</button>}

      <h2>Answered</h2>
      <ErrorText>{all.error}</ErrorText>
      {all.items && answered.length === 0 && <Empty><p>Nothing answered yet.</p></Empty>}
      {answered.length > 0 && (
        <ul className='list' aria-label='Answered'>
          {answered.map(b => <Request key={b.id} booking={b} onAccepted={accepted} onChanged={changed} />)}
        </ul>
      )}
      {all.next && <button type='button' className='secondary' onClick={() => { void all.loadMore() }}>Show more</button>}
    </section>
  )
}

interface RequestProps { booking: OwnerBooking, note?: string, onAccepted (b: Booking): void, onChanged (b: Booking): void }

function Request ({ booking: b, note, onAccepted, onChanged }: RequestProps) {
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const act = async (what: 'accept' | 'decline') => {
    setBusy(what); setError(null)
    try {
      const { booking } = await api<{ booking: Booking }>('POST', `/api/bookings/${b.id}/${what === 'accept' ? 'accept' : 'cancel'}`)
      if (what === 'accept') onAccepted(booking)
      else onChanged(booking)
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally { setBusy(null) }
  }
  const stay = `${b.traveler_name}, ${formatRange(b.start_date, b.end_date)}`
  return (
    <li className={`card row request request-${b.status}`} data-booking={b.id}>
      <div className='row-main'>
        <h3>{b.traveler_name} <span className='muted'>at</span> <Link href={`/property/${b.property_id}`}>{b.property_name}</Link></h3>
        <p>{formatRange(b.start_date, b.end_date)} · {plural(b.num_guests, 'guest')} · {formatMoney(b.total_price)}</p>
        <p className='muted small'>Requested {formatTimestamp(b.created_at)}</p>
        {note && b.status === 'cancelled' && <p className='note'>{note}</p>}
      </div>
      <div className='row-side'>
        <BookingStatus status={b.status} />
        {b.status === 'pending' && (
          <div className='actions'>
            <button type='button' disabled={busy !== null} onClick={() => { void act('accept') }} aria-label={`Accept ${stay}`}>
              {busy === 'accept' ? 'Accepting…' : 'Accept'}
            </button>
            <button type='button' className='secondary' disabled={busy !== null} onClick={() => { void act('decline') }} aria-label={`Decline ${stay}`}>
              {busy === 'decline' ? 'Declining…' : 'Decline'}
            </button>
          </div>
        )}
        {b.status === 'accepted' && (
          <button type='button' className='secondary danger' disabled={busy !== null} onClick={() => { void act('decline') }} aria-label={`Cancel stay: ${stay}`}>
            {busy === 'decline' ? 'Cancelling…' : 'Cancel stay'}
          </button>
        )}
        <ErrorText>{error}</ErrorText>
      </div>
    </li>
  )
}
