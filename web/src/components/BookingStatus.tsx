import type { Reason, Status } from '../api/types.ts'

/** The status in words, with why a booking was cancelled (its reason and the status it was cancelled from). */
export function statusWords (b: { status: Status, reason?: Reason | null, previous_status?: string | null }): string {
  if (b.status === 'pending') return 'Awaiting answer'
  if (b.status === 'accepted') return 'Accepted'
  switch (b.reason) {
    case 'owner_declined': return b.previous_status === 'accepted' ? 'Cancelled by the host' : 'Declined by the host'
    case 'traveler_cancelled': return b.previous_status === 'accepted' ? 'Cancelled by the guest' : 'Withdrawn'
    case 'dates_taken': return 'Dates taken by another stay'
    case 'expired': return 'Expired unanswered'
    default: return 'Cancelled'
  }
}

/** A status in words and colour (the words carry it: colour is only a second cue). */
export const BookingStatus = ({ booking }: { booking: { status: Status, reason?: Reason | null, previous_status?: string | null } }) =>
  <span className={`status status-${booking.status}`} data-status={booking.status} data-reason={booking.reason ?? undefined}>{statusWords(booking)}</span>
