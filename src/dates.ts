import { badRequest } from './errors.ts'
import { fieldLabel } from './field-labels.ts'

// Calendar dates are 'YYYY-MM-DD' strings in UTC; nights are whole days between two of them.

const DAY_MS = 86_400_000
export const MAX_NIGHTS = 365
/** The first day the API takes or computes: PostgreSQL has no year 0. */
export const FIRST_DATE = '0001-01-01'

export const todayUtc = () => new Date().toISOString().slice(0, 10)

export const nightsBetween = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / DAY_MS

/** The day n days after day. */
export const addDays = (day: string, n: number) => new Date(Date.parse(day) + n * DAY_MS).toISOString().slice(0, 10)

type Problem = Parameters<typeof badRequest>[0]

/** What checkStay says of dates it refuses: of a stay, after the field's label (the default); a block has its own. */
export interface DateWords {
  past: Problem
  tooFar: (maxAdvanceDays: number, lastDay: string) => Problem
  endNotAfterStart: Problem
  tooLong: Problem
}

const STAY_WORDS: DateWords = {
  past: 'must be today or later',
  tooFar: (days, last) => `must be at most ${days} days from today (${last})`,
  endNotAfterStart: `must be after ${fieldLabel('start_date')}`,
  tooLong: `must be at most ${MAX_NIGHTS} nights after ${fieldLabel('start_date')}`
}

/**
 * The rules the dates of a stay follow, and of a block (an owner's nights off sale, taken as a stay): starting
 * today or later, and at most maxAdvanceDays from today when that is given (no requests for the year 9999); ending
 * after they start, at most MAX_NIGHTS nights. The start is checked before the end. Returns the nights.
 */
export function checkStay (start: string, end: string, opts: { maxAdvanceDays?: number, words?: DateWords } = {}): number {
  const { maxAdvanceDays, words = STAY_WORDS } = opts
  const today = todayUtc()
  if (start < today) throw badRequest(words.past, 'start_date')
  if (maxAdvanceDays !== undefined) {
    const last = addDays(today, maxAdvanceDays)
    if (start > last) throw badRequest(words.tooFar(maxAdvanceDays, last), 'start_date')
  }
  const nights = nightsBetween(start, end)
  if (nights < 1) throw badRequest(words.endNotAfterStart, 'end_date')
  if (nights > MAX_NIGHTS) throw badRequest(words.tooLong, 'end_date')
  return nights
}
