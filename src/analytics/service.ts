import type { Queryable } from '../db/pool.ts'
import { badRequest, forbidden, notFound } from '../errors.ts'
import { fieldLabel } from '../field-labels.ts'
import { addDays, FIRST_DATE, nightsBetween, todayUtc } from '../dates.ts'

// GET /api/owner/analytics: the figures of analytics_daily and analytics_bookings (built by consumer.ts) for the
// owner's properties and a range of days; occupancy's listed nights from when each property was listed. Each part is one index range: analytics_daily's primary key
// (property_id, day) and analytics_bookings_response_idx (property_id, responded_on).

export const MAX_RANGE_DAYS = 366
export const DEFAULT_RANGE_DAYS = 30

/** from and to as asked, or their defaults: the last 30 days up to today (UTC), none before FIRST_DATE. */
export function range (q: { from?: string, to?: string }): { from: string, to: string } {
  const to = q.to ?? todayUtc()
  const start = addDays(to, 1 - DEFAULT_RANGE_DAYS)
  const from = q.from ?? (start < FIRST_DATE ? FIRST_DATE : start)
  if (from > to) throw badRequest(`must not be after ${fieldLabel('to')}`, 'from')
  if (nightsBetween(from, to) > MAX_RANGE_DAYS) throw badRequest(`must be at most ${MAX_RANGE_DAYS} days before ${fieldLabel('to')}`, 'from')
  return { from, to }
}

/** A property asked for, and the first UTC day it was listed (its nights before that are not "listed nights"). */
interface Listed { id: number, listed: string }

/** The owner's properties asked for: one (404 when missing, 403 when someone else's) or all. */
async function properties (db: Queryable, ownerId: number, propertyId?: number): Promise<Listed[]> {
  const LISTED = "id::int AS id, owner_id, (created_at AT TIME ZONE 'UTC')::date::text AS listed"
  if (propertyId === undefined) {
    const { rows } = await db.query({ name: 'analytics-properties', text: `SELECT ${LISTED} FROM properties WHERE owner_id = $1 ORDER BY id`, values: [ownerId] })
    return rows.map(r => ({ id: r.id, listed: r.listed }))
  }
  const { rows: [p] } = await db.query({ name: 'analytics-property', text: `SELECT ${LISTED} FROM properties WHERE id = $1`, values: [propertyId] })
  if (!p) throw notFound('Property')
  if (p.owner_id !== ownerId) throw forbidden('This property is not yours.')
  return [{ id: p.id, listed: p.listed }]
}

const COUNTS = ['requests', 'accepted', 'cancelled', 'expired', 'declined', 'withdrawn', 'cancelled_by_traveler', 'cancelled_by_owner', 'dates_taken', 'nights_booked'] as const
const SUMS = [...COUNTS.map(c => `sum(${c})::int AS ${c}`), 'sum(revenue) AS revenue'].join(', ')
const MEDIAN = 'percentile_cont(0.5) WITHIN GROUP (ORDER BY response_minutes)'

type Row = Record<typeof COUNTS[number], number> & { revenue: string | number | null }

/** Figures from sums, the listed nights they are out of, and a median (minutes, to 0.001: answers can take seconds). */
function figures (sums: Row | undefined, listed: number, median: number | null | undefined) {
  const nights = sums?.nights_booked ?? 0
  return {
    ...Object.fromEntries(COUNTS.map(c => [c, sums?.[c] ?? 0])) as Record<typeof COUNTS[number], number>,
    revenue: Number(sums?.revenue ?? 0),
    listed_nights: listed,
    occupancy: listed > 0 ? Math.round((nights / listed) * 10_000) / 10_000 : 0,
    median_response_minutes: median === null || median === undefined ? null : Math.round(median * 1000) / 1000
  }
}

/** Nights of [from, to] on which a property listed on `listed` was listed. */
const listedNights = (listed: string, from: string, to: string) => listed > to ? 0 : nightsBetween(listed > from ? listed : from, to) + 1

export async function ownerAnalytics (db: Queryable, ownerId: number, q: { from?: string, to?: string, property_id?: number }) {
  const { from, to } = range(q)
  const listed = await properties(db, ownerId, q.property_id)
  const ids = listed.map(p => p.id)
  const days = nightsBetween(from, to) + 1
  const window = { values: [ids, from, to] }
  const [byDay, byProperty, totals, daysMedian, propertyMedian, totalMedian, talk] = await Promise.all([
    db.query({ ...window, name: 'analytics-by-day', text: `SELECT day::text, ${SUMS} FROM analytics_daily WHERE property_id = ANY($1) AND day BETWEEN $2 AND $3 GROUP BY day` }),
    db.query({ ...window, name: 'analytics-by-property', text: `SELECT property_id, ${SUMS} FROM analytics_daily WHERE property_id = ANY($1) AND day BETWEEN $2 AND $3 GROUP BY property_id` }),
    db.query({ ...window, name: 'analytics-totals', text: `SELECT ${SUMS} FROM analytics_daily WHERE property_id = ANY($1) AND day BETWEEN $2 AND $3` }),
    db.query({ ...window, name: 'analytics-median-by-day', text: `SELECT responded_on::text AS day, ${MEDIAN} AS m FROM analytics_bookings WHERE property_id = ANY($1) AND responded_on BETWEEN $2 AND $3 AND response_minutes IS NOT NULL GROUP BY responded_on` }),
    db.query({ ...window, name: 'analytics-median-by-property', text: `SELECT property_id, ${MEDIAN} AS m FROM analytics_bookings WHERE property_id = ANY($1) AND responded_on BETWEEN $2 AND $3 AND response_minutes IS NOT NULL GROUP BY property_id` }),
    db.query({ ...window, name: 'analytics-median', text: `SELECT ${MEDIAN} AS m FROM analytics_bookings WHERE property_id = ANY($1) AND responded_on BETWEEN $2 AND $3 AND response_minutes IS NOT NULL` }),
    db.query({ name: 'analytics-talk-of', text: 'SELECT property_id, messages, reviews, rating_sum FROM analytics_talk WHERE property_id = ANY($1)', values: [ids] })
  ])
  const talkRows = new Map(talk.rows.map(r => [r.property_id, r]))
  const talkOf = (id: number) => {
    const t = talkRows.get(id)
    return { messages: t?.messages ?? 0, reviews: t?.reviews ?? 0, average_rating: t?.reviews ? Math.round((t.rating_sum / t.reviews) * 100) / 100 : null }
  }
  const dayRows = new Map(byDay.rows.map(r => [r.day, r]))
  const dayMedians = new Map(daysMedian.rows.map(r => [r.day, r.m]))
  const propertyRows = new Map(byProperty.rows.map(r => [r.property_id, r]))
  const propertyMedians = new Map(propertyMedian.rows.map(r => [r.property_id, r.m]))
  return {
    from,
    to,
    totals: figures(totals.rows[0], listed.reduce((n, p) => n + listedNights(p.listed, from, to), 0), totalMedian.rows[0]?.m),
    by_day: Array.from({ length: days }, (_, i) => {
      const date = addDays(from, i)
      return { date, ...figures(dayRows.get(date), listed.filter(p => p.listed <= date).length, dayMedians.get(date)) }
    }),
    by_property: listed.map(p => ({ property_id: p.id, ...figures(propertyRows.get(p.id), listedNights(p.listed, from, to), propertyMedians.get(p.id)), ...talkOf(p.id) }))
  }
}
