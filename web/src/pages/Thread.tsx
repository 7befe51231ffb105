import type { Thread } from '../api/types.ts'
import { Conversation } from '../components/Conversation.tsx'
import { Link, useTitle } from '../router.tsx'

/** A conversation's own page (/threads/:id): where the message e-mails' links lead. */
export default function ThreadPage ({ id }: { id: string }) {
  useTitle('Conversation')
  const threadId = Number(id)
  if (!Number.isSafeInteger(threadId) || threadId <= 0) {
    return <section className='page narrow'><h1>Conversation not found</h1><p>There is no conversation at this address. <Link href='/messages'>See your messages</Link>.</p></section>
  }
  return (
    <section className='page narrow thread-page'>
      <p className='crumbs'><Link href='/messages'>← Messages</Link></p>
      <Conversation key={threadId} threadId={threadId} header={heading} />
    </section>
  )
}

function heading (t: Thread) {
  return (
    <>
      <h1>{t.other.name}</h1>
      <p className='muted'>
        About <Link href={`/property/${t.property.id}`}>{t.property.title}</Link>
        {t.booking_id !== null && <> · <Link href={`/bookings/${t.booking_id}`}>See the booking</Link></>}
      </p>
    </>
  )
}
