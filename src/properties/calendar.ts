import { Type, type Static } from 'typebox'
import type { Queryable } from '../db/pool.ts'
import { CalendarDate } from '../http/schemas.ts'
import { getProperty } from './service.ts'

// A property's calendar: each night of whole months, free, taken (an accepted stay) or blocked (by its owner), from
// taken_nights (migrations/047_blocked_dates.sql), where no two rows share a night. Dates only: never who stays
// or why a night is blocked, so anyone may read it.

export const CalendarQuery = Type.Object({
  month: Type.Optional(Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'the first month, YYYY-MM; this month (UTC) when not given' })),
  months: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, default: 2, description: 'how many months, 1 to 12' }))
}, { additionalProperties: false })
export type CalendarQuery = Static<typeof CalendarQuery>

export const NightStatus = Type.Union([Type.Literal('free'), Type.Literal('taken'), Type.Literal('blocked')])

export const Calendar = Type.Object({
  from: CalendarDate,
  to: CalendarDate,
  min_nights: Type.Integer({ description: 'the fewest nights a stay may have' }),
  nights: Type.Array(Type.Object({ date: CalendarDate, status: NightStatus }), {
    description: 'every night from `from` to the night before `to`, in order: free, taken (an accepted stay) or blocked (by the owner)'
  })
})

export async function propertyCalendar (db: Queryable, id: string, q: CalendarQuery) {
  const property = await getProperty(db, id)
  const month = q.month ?? new Date().toISOString().slice(0, 7)
  const { rows } = await db.query(
    `SELECT to_char(d, 'YYYY-MM-DD') AS date,
            CASE WHEN t.block_id IS NOT NULL THEN 'blocked' WHEN t.booking_id IS NOT NULL THEN 'taken' ELSE 'free' END AS status
       FROM generate_series($2::date, ($2::date + make_interval(months => $3)) - interval '1 day', interval '1 day') d
       LEFT JOIN taken_nights t ON t.property_id = $1 AND t.start_date <= d::date AND t.end_date > d::date
      ORDER BY d`, [id, `${month}-01`, q.months ?? 2])
  const last = new Date(Date.parse(rows[rows.length - 1].date) + 86_400_000).toISOString().slice(0, 10)
  return { from: rows[0].date as string, to: last, min_nights: property.min_nights as number, nights: rows }
}
