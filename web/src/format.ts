// Dates and money as the reader writes them: the signed-in person's locale and time zone (their settings), else
// the browser's. The session sets them (setReader) before the pages render; formatters are cached per setting.
export const DEFAULT_CURRENCY = 'EUR'

interface Reader { locale: string | undefined, timeZone: string | undefined }
let reader: Reader = { locale: undefined, timeZone: undefined }
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()

/** Who reads: their locale (BCP 47) and time zone (IANA); undefined = the browser's own. */
export function setReader (locale: string | undefined, timeZone: string | undefined) {
  if (locale === reader.locale && timeZone === reader.timeZone) return
  reader = { locale, timeZone }
  cache.clear()
}
export const readerKey = () => `${reader.locale ?? ''}|${reader.timeZone ?? ''}`

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat> (key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined
  if (!f) { f = make(); cache.set(key, f) }
  return f
}

/** An amount with its currency (ISO 4217), e.g. "€1,317.00" or "1317,00 €"; a decimal string is formatted exactly. */
export const formatMoney = (n: number | `${number}`, currency = DEFAULT_CURRENCY, whole = false) =>
  cached(`m${currency}${whole}`, () => new Intl.NumberFormat(reader.locale, { style: 'currency', currency, ...(whole ? { maximumFractionDigits: 0 } : {}) })).format(n)

/** The currency's symbol as the reader writes it ("€", "US$"). */
export const currencySymbol = (currency = DEFAULT_CURRENCY) =>
  cached(`s${currency}`, () => new Intl.NumberFormat(reader.locale, { style: 'currency', currency })).formatToParts(0).find(p => p.type === 'currency')?.value ?? currency

/**
 * A calendar date (YYYY-MM-DD: a stay's day, the same day wherever the reader is) in the reader's locale. Read
 * and written in UTC so no time zone moves it to the day before.
 */
export const formatDate = (ymd: string) =>
  cached('d', () => new Intl.DateTimeFormat(reader.locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })).format(new Date(ymd + 'T00:00:00Z'))

/** A calendar date with its weekday ("Sat, 26 Dec 2026"), for a stay's check-in and check-out. */
export const formatDay = (ymd: string) =>
  cached('w', () => new Intl.DateTimeFormat(reader.locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })).format(new Date(ymd + 'T00:00:00Z'))

/** A moment (ISO timestamp) in the reader's locale and time zone. */
export const formatTimestamp = (iso: string) =>
  cached('t', () => new Intl.DateTimeFormat(reader.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: reader.timeZone })).format(new Date(iso))

export const formatRange = (start: string, end: string) => `${formatDate(start)} – ${formatDate(end)}`

/** Nights between two calendar dates; 0 when either is missing or the end is not after the start. */
export function nights (start: string, end: string): number {
  if (!start || !end) return 0
  const n = Math.round((Date.parse(end + 'T00:00:00Z') - Date.parse(start + 'T00:00:00Z')) / 86_400_000)
  return Number.isFinite(n) && n > 0 ? n : 0
}

/** Today on the reader's calendar (their time zone), YYYY-MM-DD, for date inputs' min and for upcoming/past. */
export function today (offsetDays = 0): string {
  const parts = cached('y', () => new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: reader.timeZone }))
    .formatToParts(new Date())
  const get = (t: string) => Number(parts.find(p => p.type === t)?.value)
  const d = new Date(Date.UTC(get('year'), get('month') - 1, get('day') + offsetDays))
  return d.toISOString().slice(0, 10)
}

export const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`
