import { api } from './api/client.ts'
import type { Action, Booking, Why } from './api/types.ts'
import { useConfirm, type Ask } from './components/Confirm.tsx'
import { formatRange, today } from './format.ts'

/** What a booking action is called on its button, and while it runs. */
export const ACTION_WORDS: Record<Action, [string, string]> = {
  accept: ['Accept', 'Accepting…'],
  decline: ['Decline', 'Declining…'],
  withdraw: ['Withdraw request', 'Withdrawing…'],
  cancel: ['Cancel stay', 'Cancelling…']
}

export interface Subject {
  id: number
  property: string
  start_date: string
  end_date: string
  /** Who the caller is to this booking. */
  as: 'owner' | 'traveler'
  /** The other party's name, when known ("Lea"); else "the host" / "the guest" is said. */
  other?: string
}

/** The question before a destructive action: what happens, and who is told. Accept needs none. */
export function question (action: Action, s: Subject): Ask | null {
  const when = formatRange(s.start_date, s.end_date)
  const other = s.other ?? (s.as === 'owner' ? 'The guest' : 'The host')
  const told = `${other} will be told.`
  switch (action) {
    case 'accept': return null
    case 'decline': return { title: `Decline ${s.other ? s.other + '’s' : 'this'} request?`, body: `The request for ${s.property}, ${when}, will be declined. ${told}`, confirm: 'Decline the request', keep: 'Keep it waiting' }
    case 'withdraw': return { title: 'Withdraw your request?', body: `Your request for ${s.property}, ${when}, will be withdrawn. ${told}`, confirm: 'Withdraw the request', keep: 'Keep the request' }
    case 'cancel': return s.as === 'owner'
      ? { title: `Cancel ${s.other ? s.other + '’s' : 'this'} stay?`, body: `The stay at ${s.property}, ${when}, will be cancelled and its dates freed. ${told}`, confirm: 'Cancel the stay', keep: 'Keep the stay' }
      : { title: 'Cancel your stay?', body: `Your stay at ${s.property}, ${when}, will be cancelled. ${told}`, confirm: 'Cancel the stay', keep: 'Keep the stay' }
  }
}

/** Whether a stay has begun: its first night is before today (the server's rule, stay_begun in booking.sql). */
export const stayBegun = (startDate: string, day = today()) => startDate < day

/**
 * The actions the caller may take on a booking in a list (the booking page has the server's own list): a stay that
 * has begun cannot be cancelled, a request whose first night has passed not accepted. Today is the reader's; the
 * server's may differ by a day near midnight, and then its 409 says why.
 */
export function actionsFor (status: Booking['status'], as: 'owner' | 'traveler', startDate: string): Action[] {
  const begun = stayBegun(startDate)
  if (status === 'pending') return as === 'owner' ? (begun ? ['decline'] : ['accept', 'decline']) : ['withdraw']
  if (status === 'accepted' && !begun) return ['cancel']
  return []
}

/**
 * Runs an action on a booking after asking, when it destroys something; the booking as the server answers it, or
 * null when the person chose not to. Decline, withdraw and cancel are all POST /api/bookings/:id/cancel.
 */
export function useBookingAction () {
  const confirm = useConfirm()
  return async (action: Action, s: Subject, confirmed?: () => void): Promise<(Booking & Why) | null> => {
    const ask = question(action, s)
    if (ask && !(await confirm(ask))) return null
    confirmed?.()
    const { booking } = await api<{ booking: Booking & Why }>('POST', `/api/bookings/${s.id}/${action === 'accept' ? 'accept' : 'cancel'}`)
    return booking
  }
}

/** What changes in a list item when its booking changes: the status and why, but only the fields the change has. */
export function whyOf (b: Pick<Booking, 'status' | 'updated_at'> & Partial<Pick<Booking, 'reason' | 'previous_status'>>): Partial<Booking> {
  const change: Partial<Booking> = { status: b.status, updated_at: b.updated_at }
  if ('reason' in b) change.reason = b.reason
  if ('previous_status' in b) change.previous_status = b.previous_status
  return change
}
