import { PartyProfile } from '../account/PartyProfile.tsx'
import { useCallback, useEffect, useState } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Action, BookingDetail, ThreadList } from '../api/types.ts'
import { ACTION_WORDS, useBookingAction } from '../actions.ts'
import { BookingStatus, statusWords } from '../components/BookingStatus.tsx'
import { Conversation } from '../components/Conversation.tsx'
import { ErrorText, Loading } from '../components/Status.tsx'
import { PriceLines } from '../components/PriceLines.tsx'
import { StayReviews } from '../components/Reviews.tsx'
import { formatDay, formatMoney, formatTimestamp, nights, plural, today } from '../format.ts'
import { useLive } from '../live.tsx'
import { Picture } from '../components/Picture.tsx'
import { Link, useTitle } from '../router.tsx'
import { useSession } from '../session.tsx'

/**
 * One booking, for its traveler and for the owner of its place: what, when, how much, with whom, what happened to it
 * and when, and what the reader may do now (the server's list of actions). Read again whenever the booking changes
 * (a live message about it, or a reconnection), so both parties see the other's answer as it happens.
 */
export function BookingPage ({ id }: { id: string }) {
  const { user } = useSession()
  const [detail, setDetail] = useState<BookingDetail | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState<Action | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const act = useBookingAction()
  useTitle(detail ? `Booking at ${detail.property.title}` : 'Booking')

  const load = useCallback(async () => {
    try {
      setDetail(await api<BookingDetail>('GET', `/api/bookings/${encodeURIComponent(id)}`))
      setError(null)
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { message: String(err) }))
    }
  }, [id])
  useEffect(() => { setDetail(null); void load() }, [load])
  useLive(m => {
    if (m.type === 'ready' || (m.type === 'booking' && String(m.booking.id) === id) || (m.type === 'notification' && String(m.notification.booking_id) === id)) void load()
  })

  if (error) {
    const missing = error.status === 404 || error.status === 403 || error.status === 400
    return (
      <section className='page narrow'>
        <h1>{missing ? 'Booking not found' : 'This booking cannot be shown'}</h1>
        <ErrorText>{missing ? 'There is no booking at this address that you are part of.' : error.message}</ErrorText>
        <p><Link href={user?.role === 'owner' ? '/owner/requests' : '/trips'}>{user?.role === 'owner' ? 'See your requests' : 'See your trips'}</Link></p>
      </section>
    )
  }
  if (!detail) return <Loading what='Loading the booking' />

  const { booking: b, property, traveler, owner, history, actions } = detail
  const as = user?.id === owner.id ? 'owner' : 'traveler'
  const other = as === 'owner' ? traveler : owner
  const n = nights(b.start_date, b.end_date)
  const currency = b.currency

  const run = async (action: Action) => {
    setActionError(null)
    try {
      const changed = await act(action, { id: b.id, property: property.title, start_date: b.start_date, end_date: b.end_date, as, other: other.name }, () => setBusy(action))
      if (changed) {
        setDetail(d => d && { ...d, booking: { ...d.booking, ...changed }, actions: [] })
        await load()
      }
    } catch (err) {
      setActionError(err instanceof ApiError ? err.message : String(err))
    } finally { setBusy(null) }
  }

  /** Who did it, in the reader's words; null for history written before Hostly recorded who. */
  const by = (who: 'traveler' | 'owner' | 'hostly' | null) =>
    who === null ? null : who === 'hostly' ? 'Hostly' : who === as ? 'you' : who === 'owner' ? owner.name : traveler.name
  const step = (h: BookingDetail['history'][number], i: number) => {
    const who = by(h.by)
    if (h.status === 'pending') return who ? `Requested by ${who}` : 'Requested'
    if (h.status === 'accepted') return who ? `Accepted by ${who}` : 'Accepted'
    const words = statusWords({ status: h.status, reason: h.reason, previous_status: history[i - 1]?.status ?? b.previous_status })
    if (h.cause === 'account_deleted') return `${words}: the ${h.by === 'owner' ? 'host' : 'guest'} deleted their account`
    return h.by === 'hostly' || !who ? words : `${words} (${who})`
  }

  return (
    <section className='page booking-page' data-booking={b.id}>
      <p className='crumbs'><Link href={as === 'owner' ? '/owner/requests' : '/trips'}>{as === 'owner' ? '← Requests' : '← My trips'}</Link></p>
      <div className='title-row'>
        <h1>{as === 'owner' ? `${traveler.name} at ` : 'Your stay at '}<Link href={`/property/${property.id}`}>{property.title}</Link></h1>
        <BookingStatus booking={b} />
      </div>
      <p className='muted'>{[property.city, property.country].filter(Boolean).join(', ')} · booking #{b.id}</p>

      <div className='booking-grid'>
        <div>
          <dl className='facts'>
            <div><dt>Check-in</dt><dd>{formatDay(b.start_date)}</dd></div>
            <div><dt>Check-out</dt><dd>{formatDay(b.end_date)}</dd></div>
            <div><dt>Nights</dt><dd>{n}</dd></div>
            <div><dt>Guests</dt><dd>{b.num_guests}</dd></div>
            <div><dt>Total</dt><dd>{b.price ? formatMoney(b.price.total as `${number}`, currency) : formatMoney(b.total_price, currency)}</dd></div>
            <div><dt>{as === 'owner' ? 'Guest' : 'Host'}</dt><dd className='party'>{other.avatar && <Picture className='avatar' variants={other.avatar.variants} alt='' sizes='32px' />}{other.name}</dd></div>
          </dl>
          {b.price
            ? <PriceLines price={b.price} currency={currency} label='Price, as requested' />
            : <p className='muted small'>{plural(n, 'night')} × {formatMoney(n ? b.total_price / n : 0, currency)}, {plural(b.num_guests, 'guest')}.</p>}
          <PartyProfile party={other} as={as === 'owner' ? 'Guest' : 'Host'} />
        </div>

        <div className='card booking-actions' aria-labelledby='actions-title'>
          <h2 id='actions-title'>{actions.length ? 'What you can do' : 'Nothing to do'}</h2>
          {actions.length === 0 && <p className='muted'>{b.status === 'cancelled' ? 'This booking is closed.' : b.status === 'accepted' ? begunWords(b.end_date) : 'Waiting for the host’s answer.'}</p>}
          {actions.length > 0 && (
            <div className='actions'>
              {actions.map(a => (
                <button
                  key={a} type='button' className={a === 'accept' ? '' : 'secondary danger'} disabled={busy !== null}
                  onClick={() => { void run(a) }}
                >{busy === a ? ACTION_WORDS[a][1] : ACTION_WORDS[a][0]}
                </button>
              ))}
            </div>
          )}
          {actions.includes('accept') && <p className='muted small'>Accepting cancels the other requests for these dates.</p>}
          {b.status === 'pending' && as === 'owner' && !actions.includes('accept') && <p className='muted small'>The first night of this request has passed, so it can no longer be accepted.</p>}
          <ErrorText>{actionError}</ErrorText>
        </div>
      </div>

      <h2>History</h2>
      <ol className='history' aria-label='History'>
        {history.map((h, i) => (
          <li key={i} data-status={h.status}>
            <span className='history-what'>{step(h, i)}</span>
            <time dateTime={h.at} className='muted'>{formatTimestamp(h.at)}</time>
          </li>
        ))}
      </ol>

      {b.status === 'accepted' && (
        <section className='booking-reviews' aria-labelledby='reviews-title'>
          <h2 id='reviews-title'>Reviews</h2>
          <StayReviews bookingId={b.id} other={other.name} />
        </section>
      )}

      <section className='booking-conversation' aria-labelledby='conversation-title'>
        <h2 id='conversation-title'>Messages with {other.name}</h2>
        <BookingConversation id={b.id} />
      </section>
    </section>
  )
}

/**
 * Why an accepted stay offers nothing: the server lists cancel until its first night has passed (stay_begun in
 * booking.sql), so it has begun; the reader's today only chooses the words.
 */
const begunWords = (endDate: string) => endDate <= today()
  ? 'This stay is over, so it can no longer be cancelled.'
  : 'This stay has already begun, so it can no longer be cancelled here.'

/** The booking's conversation; before its first message, the box that opens it. */
function BookingConversation ({ id }: { id: number }) {
  const [threadId, setThreadId] = useState<number | null | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    if (threadId !== undefined) return
    let current = true
    api<ThreadList>('GET', `/api/threads?booking_id=${id}`).then(list => { if (current) setThreadId(list.threads[0]?.id ?? null) },
      (err: Error) => { if (current) setError(err.message) })
    return () => { current = false }
  }, [id, threadId])
  // The other party's first message opens the thread: found again when it arrives.
  useLive(m => { if (threadId === null && m.type === 'message') setThreadId(undefined) })
  if (error) return <ErrorText>{error}</ErrorText>
  if (threadId === undefined) return <Loading what='Loading the conversation' />
  return <Conversation threadId={threadId} firstUrl={`/api/bookings/${id}/messages`} empty='No messages about this booking yet.' />
}
