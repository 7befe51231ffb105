import { badRequest } from './errors.ts'
import { fieldLabel } from './field-labels.ts'

// Calendar dates are 'YYYY-MM-DD' strings in UTC; nights are whole days between two of them.

const DAY_MS = 86_400_000
export const MAX_NIGHTS = 365
/** The first day the API takes or computes: PostgreSQL has no year 0. */
export const FIRST_DATE = '0001-01-01'

export const todayUtc = () => new Date().toISOString().slice(0, 10)

export const nightsBetween = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / DAY_MS

/** The rules a stay's dates follow: not in the past, end after start, at most MAX_NIGHTS nights. */
export function checkStay (start: string, end: string): number {
  if (start < todayUtc()) throw badRequest('must be today or later', 'start_date')
  const nights = nightsBetween(start, end)
  if (nights < 1) throw badRequest(`must be after ${fieldLabel('start_date')}`, 'end_date')
  if (nights > MAX_NIGHTS) throw badRequest(`must be at most ${MAX_NIGHTS} nights after ${fieldLabel('start_date')}`, 'end_date')
  return nights
}
