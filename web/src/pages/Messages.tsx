import type { Thread } from '../api/types.ts'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatTimestamp, plural } from '../format.ts'
import { useLive } from '../live.tsx'
import { Link, useTitle } from '../router.tsx'
import { useSession } from '../session.tsx'
import { usePaged } from '../usePaged.ts'

/** The reader's conversations, the newest message first, with their unread counts; kept current live. */
export default function Messages () {
  useTitle('Messages')
  const { user } = useSession()
  const { items, next, error, reload, loadMore } = usePaged<Thread>('/api/threads', 'threads')
  useLive(m => { if (m.type === 'ready' || m.type === 'message') void reload() })

  return (
    <section className='page narrow'>
      <h1>Messages</h1>
      <ErrorText>{error}</ErrorText>
      {items === null && !error && <Loading what='Loading your conversations' />}
      {items?.length === 0 && <Empty><p>No conversations yet. {user?.role === 'traveler' ? 'Ask a host a question from their place’s page.' : 'Guests’ questions and messages about bookings appear here.'}</p></Empty>}
      {items && items.length > 0 && (
        <ul className='list' aria-label='Conversations'>
          {items.map(t => (
            <li key={t.id} className={'card thread-line' + (t.unread_count > 0 ? ' unread' : '')} data-thread={t.id}>
              <div className='row-main'>
                <p>
                  <Link href={`/threads/${t.id}`}><strong>{t.other.name}</strong> about {t.property.title}</Link>
                  {t.unread_count > 0 && <span className='count' data-testid='thread-unread'>{plural(t.unread_count, 'unread')}</span>}
                </p>
                {t.last_message && (
                  <p className='muted small last-message'>
                    {t.last_message.sender_id === user?.id ? 'You: ' : ''}{t.last_message.text} · {formatTimestamp(t.last_message.created_at)}
                  </p>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {next && <button type='button' className='secondary' onClick={() => { void loadMore() }}>Show older conversations</button>}
    </section>
  )
}
