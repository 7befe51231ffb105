import type { CancelReason } from '../bookings/events.ts'

/** What a message quotes, read from the database (never from the event alone). */
export interface Facts { property: string, traveler: string, start_date: string, end_date: string, num_guests: number }

const guests = (n: number) => n === 1 ? '1 guest' : `${n} guests`
const stay = (f: Facts) => `${f.property} from ${f.start_date} to ${f.end_date}`

/** To the owner, for booking-created. */
export function requestedMessage (f: Facts): string {
  return `${f.traveler} requested ${stay(f)} for ${guests(f.num_guests)}.`
}

/** Why a cancellation happened, in words, for the traveler (and the e-mail templates). */
export function cancelledBecause (reason: CancelReason | undefined): string {
  switch (reason) {
    case 'owner_declined': return 'the owner declined the request'
    case 'traveler_cancelled': return 'you cancelled it'
    case 'dates_taken': return 'the dates were booked by someone else'
    case 'expired': return 'the request expired unanswered (the owner did not reply in time)'
    default: return 'it was cancelled'
  }
}

/** To the traveler, for booking-status-updated. */
export function statusMessage (f: Facts, status: 'accepted' | 'cancelled', reason?: CancelReason): string {
  if (status === 'accepted') return `Your booking at ${stay(f)} was accepted.`
  if (reason === 'expired') return `Your request for ${stay(f)} expired unanswered: the owner did not reply in time.`
  return `Your booking at ${stay(f)} was cancelled: ${cancelledBecause(reason)}.`
}
