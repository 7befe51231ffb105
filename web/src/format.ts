// Dates in the person's own locale, money with its symbol. The API has no currency: Hostly prices are euros.
export const CURRENCY = 'EUR'

const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY })
export const formatMoney = (n: number) => money.format(n)

/** A calendar date (YYYY-MM-DD) as the person writes dates, without moving it across time zones. */
const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
export const formatDate = (ymd: string) => day.format(new Date(ymd + 'T00:00:00Z'))

const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
export const formatTimestamp = (iso: string) => stamp.format(new Date(iso))

export const formatRange = (start: string, end: string) => `${formatDate(start)} – ${formatDate(end)}`

/** Nights between two calendar dates; 0 when either is missing or the end is not after the start. */
export function nights (start: string, end: string): number {
  if (!start || !end) return 0
  const n = Math.round((Date.parse(end + 'T00:00:00Z') - Date.parse(start + 'T00:00:00Z')) / 86_400_000)
  return Number.isFinite(n) && n > 0 ? n : 0
}

/** Today (the person's calendar), YYYY-MM-DD, for date inputs' min. */
export function today (offsetDays = 0): string {
  const d = new Date()
  d.setDate(d.getDate() + offsetDays)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`
