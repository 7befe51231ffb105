import type { CancelReason, PreviousStatus } from '../bookings/events.ts'

// Who is told of a change, and in which words. Every party is told of every change they did not make, never of
// their own: the notification services, the e-mail service and the live push all ask `audience` here, so they
// cannot disagree. Dates and amounts are written for the reader: their locale, their time zone, the booking's
// currency (Intl). The words are English; the formats are the reader's.

export type Party = 'owner' | 'traveler'

/** What happened to a booking, as a person would name it. */
export type Change =
  | 'requested' | 'accepted'
  | 'declined' | 'host_cancelled_stay' | 'withdrawn' | 'guest_cancelled_stay'
  | 'dates_taken' | 'expired'

/** The change an event records: its topic's kind, its status, and for a cancellation its reason and previous status. */
export function changeOf (recorded: { status?: unknown, reason?: unknown, previous_status?: unknown }): Change {
  if (recorded.status === 'pending') return 'requested'
  if (recorded.status === 'accepted') return 'accepted'
  const reason = recorded.reason as CancelReason | undefined
  // Events made before previous_status existed: a cancellation by a party is read as the request's (the commoner case).
  const from = (recorded.previous_status as PreviousStatus | undefined) ?? 'pending'
  switch (reason) {
    case 'owner_declined': return from === 'accepted' ? 'host_cancelled_stay' : 'declined'
    case 'traveler_cancelled': return from === 'accepted' ? 'guest_cancelled_stay' : 'withdrawn'
    case 'dates_taken': return 'dates_taken'
    case 'expired': return 'expired'
    default: return 'declined'
  }
}

/** Who is told: everyone the change concerns who did not make it. */
export function audience (change: Change, recorded: { previous_status?: unknown } = {}): Party[] {
  switch (change) {
    case 'requested': return ['owner']
    case 'accepted': case 'declined': case 'host_cancelled_stay': case 'dates_taken': return ['traveler']
    // An event made before previous_status existed told only the traveler then; it is not told to the owner late.
    case 'withdrawn': case 'guest_cancelled_stay': return recorded.previous_status ? ['owner'] : []
    case 'expired': return recorded.previous_status ? ['traveler', 'owner'] : ['traveler']
  }
}

/** The notification type of the inbox (the notifications table's CHECK) for a change. */
export const notificationType = (change: Change) =>
  change === 'requested' ? 'booking_requested' : change === 'accepted' ? 'booking_accepted' : 'booking_cancelled'

/** What the words quote, read from the database (never from the event alone). */
export interface QuotedStay {
  property: string
  traveler: string
  start_date: string
  end_date: string
  num_guests: number
  total_price: number | string
  currency: string
  /** dates_taken: whether the stay accepted over this one is the same traveler's own other request. */
  own_request_accepted?: boolean | null
  /** A cancellation because the party who made it deleted their account (close_account() in booking.sql). */
  account_deleted?: boolean | null
}

/** How the reader reads dates and amounts. */
export interface Reader { locale: string, time_zone: string }

/**
 * A date style that writes the month out in the reader's language: 'medium' ("Dec 6, 2026", "6 déc. 2026"), or
 * 'long' where the locale's medium style is all digits (pt-PT writes "06/12/2026"; long is "6 de dezembro de 2026").
 */
function dateStyleOf (locale: string): 'medium' | 'long' {
  const parts = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 11, 6)))
  return /^\d+$/.test(parts.find(p => p.type === 'month')?.value ?? '') ? 'long' : 'medium'
}

/**
 * The name of the reader's time zone in their language, said once after the time so no reader wonders which clock:
 * "Eastern Time", "Hora oriental norte-americana". A zone with no generic name (UTC) says its standard one
 * rather than an offset ("Coordinated Universal Time", not "GMT+00:00"). Made once per locale and zone (formatsFor).
 */
function zoneNamer (locale: string, timeZone: string): (at: Date) => string {
  const namer = (timeZoneName: 'longGeneric' | 'long') => {
    let format: Intl.DateTimeFormat | undefined
    return (at: Date) => (format ??= new Intl.DateTimeFormat(locale, { timeZoneName, timeZone }))
      .formatToParts(at).find(p => p.type === 'timeZoneName')?.value ?? timeZone
  }
  const generic = namer('longGeneric')
  const standard = namer('long')
  return at => {
    const name = generic(at)
    return /^(GMT|UTC)[+−-]/.test(name) ? standard(at) : name
  }
}

export type Formats = ReturnType<typeof makeFormats>

/**
 * Formats made, by locale and time zone. Making an Intl format costs far more than using one (ICU loads the
 * locale's data), and every notification and e-mail needs its reader's: each process keeps the last few hundred.
 */
const made = new Map<string, Formats>()
const MADE_KEPT = 256

/** The formats of one reader. A stay's dates are calendar days (no time zone); the time of a change is an instant, shown in the reader's zone. */
export function formatsFor (reader: Reader): Formats {
  const key = `${reader.locale} ${reader.time_zone}`
  let formats = made.get(key)
  if (!formats) {
    formats = makeFormats(reader)
    if (made.size >= MADE_KEPT) made.delete(made.keys().next().value!) // the oldest
    made.set(key, formats)
  }
  return formats
}

function makeFormats (reader: Reader) {
  const locale = safeLocale(reader.locale)
  const dateStyle = dateStyleOf(locale)
  const day = new Intl.DateTimeFormat(locale, { dateStyle, timeZone: 'UTC' })
  // dateStyle cannot be combined with timeZoneName: the zone's name is added after the time.
  const instant = new Intl.DateTimeFormat(locale, { dateStyle, timeStyle: 'short', timeZone: reader.time_zone })
  const zoneName = zoneNamer(locale, reader.time_zone)
  const currencies = new Map<string, Intl.NumberFormat>()
  return Object.freeze({
    day: (d: string | Date) => day.format(typeof d === 'string' ? new Date(`${d.slice(0, 10)}T00:00:00Z`) : d),
    instant: (t: string | Date) => `${instant.format(new Date(t))} (${zoneName(new Date(t))})`,
    money: (amount: number | string, currency: string) => {
      let money = currencies.get(currency)
      if (!money) currencies.set(currency, money = new Intl.NumberFormat(locale, { style: 'currency', currency }))
      return money.format(Number(amount))
    }
  })
}

/** A locale Intl can write in (the API checks it at sign-up; a row written otherwise falls back to English). */
function safeLocale (locale: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf(locale).length > 0 ? locale : 'en'
  } catch {
    return 'en'
  }
}

const guests = (n: number) => n === 1 ? '1 guest' : `${n} guests`
const nightsOf = (f: QuotedStay) => {
  const n = Math.round((Date.parse(f.end_date.slice(0, 10)) - Date.parse(f.start_date.slice(0, 10))) / 86_400_000)
  return n === 1 ? '1 night' : `${n} nights`
}

/** The words of a change for one reader: a headline (e-mail subject), one sentence (the inbox), and the parts quoted. */
export function describeChange (change: Change, to: Party, f: QuotedStay, reader: Reader) {
  const fmt = formatsFor(reader)
  const start = fmt.day(f.start_date)
  const end = fmt.day(f.end_date)
  const total = fmt.money(f.total_price, f.currency)
  const stay = `${f.property} from ${start} to ${end}`
  const { headline, sentence } = words(change, to, f, stay)
  return { headline, sentence, start_date: start, end_date: end, total_price: total, nights: nightsOf(f), guests: guests(f.num_guests), fmt }
}

function words (change: Change, to: Party, f: QuotedStay, stay: string): { headline: string, sentence: string } {
  // A party deleted their account (the event carries that party's usual reason): the other is told so, not that
  // they chose to cancel this one stay. The name is no longer theirs to quote ("Deleted account"), so none is.
  if (f.account_deleted) {
    switch (change) {
      case 'withdrawn':
        return { headline: 'Request withdrawn: the guest deleted their account', sentence: `The guest deleted their account, so their request for ${stay} is withdrawn.` }
      case 'guest_cancelled_stay':
        return { headline: 'Stay cancelled: the guest deleted their account', sentence: `The guest deleted their account, so their stay at ${stay} is cancelled and those nights are free again.` }
      case 'declined':
        return { headline: 'Request declined: the host deleted their account', sentence: `The host deleted their account, so your request for ${stay} is declined.` }
      case 'host_cancelled_stay':
        return { headline: 'Stay cancelled: the host deleted their account', sentence: `The host deleted their account, so your stay at ${stay} is cancelled.` }
    }
  }
  switch (change) {
    case 'requested':
      return { headline: `${f.traveler} asks to stay at ${f.property}`, sentence: `${f.traveler} requested ${stay} for ${guests(f.num_guests)}.` }
    case 'accepted':
      return { headline: 'Your stay is confirmed', sentence: `Your request for ${stay} was accepted by the host.` }
    case 'declined':
      return { headline: 'Request declined', sentence: `Your request for ${stay} was declined by the host.` }
    case 'host_cancelled_stay':
      return { headline: 'Stay cancelled by the host', sentence: `Your stay at ${stay} was cancelled by the host.` }
    case 'withdrawn':
      return { headline: 'Request withdrawn', sentence: `The guest withdrew the request: ${f.traveler} no longer asks for ${stay}.` }
    case 'guest_cancelled_stay':
      return { headline: 'Stay cancelled by the guest', sentence: `The guest cancelled the stay: ${f.traveler} will not come to ${stay}.` }
    case 'dates_taken':
      return f.own_request_accepted
        // The traveler's own other request took these dates: nobody else booked them.
        ? { headline: 'Your other request was accepted', sentence: `Your request for ${stay} was cancelled: your other request for these dates was accepted.` }
        : { headline: 'Dates no longer available', sentence: `Your request for ${stay} was cancelled: another stay was accepted for these dates.` }
    case 'expired':
      return to === 'owner'
        ? { headline: 'Request expired unanswered', sentence: `The request of ${f.traveler} for ${stay} expired: it was not answered in time.` }
        : { headline: 'Request expired unanswered', sentence: `Your request for ${stay} expired: the host did not answer in time.` }
  }
}
