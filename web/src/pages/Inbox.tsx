import { useState } from 'react'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatTimestamp } from '../format.ts'
import { useNotifications } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'

/** The notifications, newest first; new ones appear as they are written. */
export function Inbox () {
  useTitle('Notifications')
  const live = useNotifications()
  const [error, setError] = useState<string | null>(null)
  const act = (fn: () => Promise<void>) => { setError(null); fn().catch((e: Error) => setError(e.message)) }

  return (
    <section className='page narrow'>
      <div className='title-row'>
        <h1>Notifications</h1>
        {live.unread > 0 && <button type='button' className='secondary' onClick={() => act(live.markAllRead)}>Mark all read</button>}
      </div>
      <p className='muted' role='status'>
        {live.unread === 0 ? 'All read.' : `${live.unread} unread.`} {live.status === 'offline' && 'Reconnecting to live updates…'}
      </p>
      <ErrorText>{live.error ?? error}</ErrorText>
      {!live.loaded && <Loading />}
      {live.loaded && live.notifications.length === 0 && !live.error && <Empty><p>Nothing yet. You are told here when a booking changes.</p></Empty>}
      {live.notifications.length > 0 && (
        <ul className='list' aria-label='Notifications'>
          {live.notifications.map(n => (
            <li key={n.id} className={'card notification' + (n.read_at ? '' : ' unread')} data-notification={n.id}>
              <div className='row-main'>
                <p>{!n.read_at && <span className='visually-hidden'>Unread: </span>}{n.message}</p>
                <p className='muted small'>{formatTimestamp(n.created_at)} · <Link href={`/bookings/${n.booking_id}`} onClick={() => { if (!n.read_at) act(() => live.markRead(n.id)) }}>See the booking</Link></p>
              </div>
              {!n.read_at && <button type='button' className='secondary small' onClick={() => act(() => live.markRead(n.id))}>Mark read</button>}
            </li>
          ))}
        </ul>
      )}
      {live.nextCursor && <button type='button' className='secondary' onClick={() => act(live.more)}>Show older</button>}
    </section>
  )
}
