import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Message, MessagePage, Thread } from '../api/types.ts'
import { formatTimestamp } from '../format.ts'
import { useLive } from '../live.tsx'
import { refreshMessageUnread } from '../messages.ts'
import { useSession } from '../session.tsx'
import { useSubmit } from '../useSubmit.ts'
import { TextArea } from './Field.tsx'
import { ErrorText, Loading } from './Status.tsx'

/** Messages a page holds; older ones come on demand. */
const PAGE = 20
/** The API's limit, in characters (docs/http.md): said beside the box, checked by the API. */
const MAX_LENGTH = 5000

interface Props {
  /** The conversation, when there is one; null: none yet, and the first message goes to firstUrl, which opens it. */
  threadId: number | null
  firstUrl?: string
  /** Above the messages once the thread is known (its page's heading). */
  header?: (thread: Thread) => ReactNode
  /** What to say while there is no message yet. */
  empty?: string
}

/**
 * One conversation: its messages oldest to newest (older pages on demand), "Read" under the reader's last message the
 * other party has read, and a box to write. Messages are text, never HTML. The other party's new messages and read
 * receipts arrive live; the reader's reading is marked as they come.
 */
export function Conversation ({ threadId, firstUrl, header, empty = 'No messages yet.' }: Props) {
  const { user } = useSession()
  const [id, setId] = useState(threadId)
  const [thread, setThread] = useState<Thread | null>(null)
  const [messages, setMessages] = useState<Message[] | null>(id === null ? [] : null)
  const [older, setOlder] = useState<string | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  const markRead = useCallback((threadId: number) => {
    api('POST', `/api/threads/${threadId}/read`).then(refreshMessageUnread, () => {})
  }, [])

  const load = useCallback(async () => {
    if (id === null) return
    try {
      const page = await api<MessagePage>('GET', `/api/threads/${id}/messages?limit=${PAGE}`)
      setThread(page.thread)
      setMessages(list => merge(list ?? [], page.messages))
      setOlder(o => o ?? page.next_cursor)
      setError(null)
      if (page.thread.unread_count > 0) markRead(id)
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { message: String(err) }))
    }
  }, [id, markRead])
  useEffect(() => { void load() }, [load])

  useLive(m => {
    if (m.type === 'ready') void load()
    if (m.type === 'message' && m.message.thread_id === id) {
      setMessages(list => merge(list ?? [], [m.message]))
      markRead(id)
    }
    if (m.type === 'thread_read' && m.thread_read.thread_id === id) {
      const r = m.thread_read
      setThread(t => t && { ...t, other_read_id: Math.max(t.other_read_id, r.last_read_id), other_read_at: r.read_at })
    }
  })

  const showOlder = async () => {
    if (!older || id === null) return
    try {
      const page = await api<MessagePage>('GET', `/api/threads/${id}/messages?limit=${PAGE}&cursor=${encodeURIComponent(older)}`)
      setMessages(list => merge(list ?? [], page.messages))
      setOlder(page.next_cursor)
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { message: String(err) }))
    }
  }

  const sent = (message: Message) => {
    setMessages(list => merge(list ?? [], [message]))
    if (id === null) setId(message.thread_id)
  }

  if (error && !thread && id !== null) {
    return <ErrorText>{error.status === 404 ? 'There is no conversation at this address that you are part of.' : error.message}</ErrorText>
  }
  if (messages === null || (id !== null && !thread)) return <Loading what='Loading the conversation' />

  const mine = (m: Message) => m.sender_id === user?.id
  const readUpTo = thread?.other_read_id ?? 0
  const lastRead = [...messages].reverse().find(m => mine(m) && m.id <= readUpTo)?.id
  const otherName = thread?.other.name ?? 'them'

  return (
    <div className='conversation' data-thread={id ?? undefined}>
      {thread && header?.(thread)}
      {older && <button type='button' className='secondary small' onClick={() => { void showOlder() }}>Show older messages</button>}
      {messages.length === 0
        ? <p className='muted'>{empty}</p>
        : (
          <ol className='messages' aria-label='Messages' aria-live='polite'>
            {messages.map(m => (
              <li key={m.id} className={'message ' + (mine(m) ? 'mine' : 'theirs')} data-message={m.id}>
                <p className='message-text'><span className='visually-hidden'>{mine(m) ? 'You' : otherName}: </span>{m.text}</p>
                <time dateTime={m.created_at} className='muted small'>{formatTimestamp(m.created_at)}</time>
                {m.id === lastRead && <p className='read-receipt small' data-testid='read-receipt'>Read</p>}
              </li>
            ))}
          </ol>
          )}
      <ErrorText>{error && thread ? error.message : null}</ErrorText>
      {thread?.other.deleted
        ? <p className='notice' role='status'>The other party deleted their account: messages can no longer reach them. The conversation stays here for your records.</p>
        : <Composer to={id === null ? firstUrl : `/api/threads/${id}/messages`} onSent={sent} />}
    </div>
  )
}

/** The messages by id, oldest first, each once. */
function merge (list: Message[], more: Message[]): Message[] {
  const byId = new Map(list.map(m => [m.id, m]))
  for (const m of more) byId.set(m.id, m)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/** The box to write in; the API's refusal (too long, too fast, a forbidden character) is said beside it. */
export function Composer ({ to, onSent, label = 'Your message', button = 'Send' }: { to: string | undefined, onSent: (m: Message) => void, label?: string, button?: string }) {
  const [text, setText] = useState('')
  const form = useSubmit(['text'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!to) return
    void form.run(async () => {
      const { message } = await api<{ message: Message }>('POST', to, { text })
      setText('')
      onSent(message)
    })
  }
  return (
    <form className='composer' onSubmit={submit} noValidate>
      <TextArea
        label={label} rows={3} value={text} onChange={e => setText(e.target.value)} error={form.field('text')}
        hint={`Up to ${MAX_LENGTH.toLocaleString('en')} characters. Links are shown as text.`}
      />
      <ErrorText>{form.general}</ErrorText>
      <button type='submit' disabled={form.busy || !to}>{form.busy ? 'Sending…' : button}</button>
    </form>
  )
}
