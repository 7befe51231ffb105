const WORDS: Record<string, string> = { pending: 'Pending', accepted: 'Accepted', cancelled: 'Cancelled' }

/** A status in words and colour (the word carries it: colour is only a second cue). */
export const BookingStatus = ({ status }: { status: string }) =>
  <span className={`status status-${status}`} data-status={status}>{WORDS[status] ?? status}</span>
