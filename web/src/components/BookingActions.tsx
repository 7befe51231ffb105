import { useState } from 'react'
import { ApiError } from '../api/client.ts'
import type { Action, Booking, Why } from '../api/types.ts'
import { ACTION_WORDS, actionsFor, useBookingAction, type Subject } from '../actions.ts'
import { formatRange } from '../format.ts'
import { ErrorText } from './Status.tsx'

/** A booking's actions in a list (Requests, My trips): each destructive one asks first, in the dialog. */
export function BookingActions ({ subject, status, onDone }: { subject: Subject, status: Booking['status'], onDone (b: Booking & Why, action: Action): void }) {
  const [busy, setBusy] = useState<Action | null>(null)
  const [error, setError] = useState<string | null>(null)
  const act = useBookingAction()
  const actions = actionsFor(status, subject.as, subject.start_date)
  if (actions.length === 0) return null
  const what = `${subject.as === 'owner' ? (subject.other ?? 'guest') : subject.property}, ${formatRange(subject.start_date, subject.end_date)}`

  const run = async (a: Action) => {
    setError(null)
    try {
      const b = await act(a, subject, () => setBusy(a))
      if (b) onDone(b, a)
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally { setBusy(null) }
  }
  return (
    <>
      <div className='actions'>
        {actions.map(a => (
          <button
            key={a} type='button' className={a === 'accept' ? '' : 'secondary danger'} disabled={busy !== null}
            onClick={() => { void run(a) }} aria-label={`${ACTION_WORDS[a][0]}: ${what}`}
          >{busy === a ? ACTION_WORDS[a][1] : ACTION_WORDS[a][0]}
          </button>
        ))}
      </div>
      <ErrorText>{error}</ErrorText>
    </>
  )
}
