import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { api } from '../api/client.ts'
import type { CalendarReply } from '../api/types.ts'
import { today } from '../format.ts'
import { ErrorText } from './Status.tsx'

// A month calendar of a property's nights (GET /api/properties/:id/calendar), for picking a stay: check-in, then
// check-out. A night taken or blocked cannot start a stay, and a check-out is possible only from the minimum
// stay's end up to the morning of the next taken night. A grid in the ARIA sense: one tab stop, the arrow keys
// move by day and week, Page Up/Down by month, Enter or Space picks; each day's label says its date and state.

type Night = CalendarReply['nights'][number]
const DAY = 86_400_000
const addDays = (ymd: string, n: number) => new Date(Date.parse(ymd + 'T00:00:00Z') + n * DAY).toISOString().slice(0, 10)
const monthOf = (ymd: string) => ymd.slice(0, 7)
const addMonths = (month: string, n: number) => {
  const [y, m] = month.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7)
}
const MONTHS = 12

const longDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
const monthName = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' })
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' })
const weekdayLong = new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' })
const at = (ymd: string) => new Date(ymd + 'T00:00:00Z')
/** Monday first: 0 for a Monday, 6 for a Sunday. */
const column = (ymd: string) => (at(ymd).getUTCDay() + 6) % 7

interface Props {
  propertyId: number
  start: string
  end: string
  onPick (start: string, end: string): void
}

export function Calendar ({ propertyId, start, end, onPick }: Props) {
  const first = monthOf(today())
  const [data, setData] = useState<CalendarReply | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [focus, setFocus] = useState(start || today())
  const grid = useRef<HTMLTableElement>(null)
  const moved = useRef(false)

  useEffect(() => {
    let current = true
    api<CalendarReply>('GET', `/api/properties/${propertyId}/calendar?month=${first}&months=${MONTHS}`)
      .then(d => { if (current) setData(d) }, (e: Error) => { if (current) setError(e.message) })
    return () => { current = false }
  }, [propertyId, first])

  useEffect(() => {
    if (!moved.current) return
    moved.current = false
    grid.current?.querySelector<HTMLButtonElement>(`[data-date="${focus}"]`)?.focus()
  }, [focus])

  if (error) return <ErrorText>{error}</ErrorText>
  if (!data) return <p className='muted'>Loading the calendar…</p>

  const status = new Map(data.nights.map((n: Night) => [n.date, n.status]))
  const last = addDays(data.to, -1)
  const picking = start && !end ? 'check-out' : 'check-in'
  const firstTaken = (from: string) => data.nights.find(n => n.date >= from && n.status !== 'free')?.date ?? data.to
  const pickable = (d: string) => {
    if (d < today() || d > last) return false
    if (picking === 'check-in') return status.get(d) === 'free'
    if (d <= start) return status.get(d) === 'free' // a new check-in
    return d >= addDays(start, data.min_nights) && d <= firstTaken(start)
  }
  const pick = (d: string) => {
    if (!pickable(d)) return
    if (picking === 'check-out' && d > start) onPick(start, d)
    else onPick(d, '')
  }

  const month = monthOf(focus) < first ? first : monthOf(focus)
  const move = (d: string) => {
    const clamped = d < `${first}-01` ? `${first}-01` : d > last ? last : d
    moved.current = true
    setFocus(clamped)
  }
  const onKey = (e: KeyboardEvent) => {
    const step: Record<string, () => string> = {
      ArrowLeft: () => addDays(focus, -1),
      ArrowRight: () => addDays(focus, 1),
      ArrowUp: () => addDays(focus, -7),
      ArrowDown: () => addDays(focus, 7),
      PageUp: () => `${addMonths(monthOf(focus), -1)}-01`,
      PageDown: () => `${addMonths(monthOf(focus), 1)}-01`,
      Home: () => addDays(focus, -column(focus)),
      End: () => addDays(focus, 6 - column(focus))
    }
    if (step[e.key]) { e.preventDefault(); move(step[e.key]()) }
  }

  const days: string[] = []
  for (let d = `${month}-01`; monthOf(d) === month; d = addDays(d, 1)) days.push(d)
  const weeks: Array<Array<string | null>> = []
  let week: Array<string | null> = Array(column(days[0])).fill(null)
  for (const d of days) {
    week.push(d)
    if (week.length === 7) { weeks.push(week); week = [] }
  }
  if (week.length) weeks.push([...week, ...Array(7 - week.length).fill(null)])
  const tabStop = monthOf(focus) === month ? focus : days[0]
  const title = monthName.format(at(`${month}-01`))
  const inStay = (d: string) => start && end && d >= start && d < end

  return (
    <div className='calendar'>
      <div className='calendar-head'>
        <button type='button' className='secondary' onClick={() => setFocus(`${addMonths(month, -1)}-01`)} disabled={month <= first} aria-label='Previous month'>‹</button>
        <h3 id={`cal-${propertyId}`} aria-live='polite'>{title}</h3>
        <button type='button' className='secondary' onClick={() => setFocus(`${addMonths(month, 1)}-01`)} disabled={month >= monthOf(last)} aria-label='Next month'>›</button>
      </div>
      <p className='hint' id={`cal-${propertyId}-how`}>
        {picking === 'check-in' ? 'Choose your check-in day.' : `Choose your check-out day: at least ${data.min_nights} ${data.min_nights === 1 ? 'night' : 'nights'}.`}
      </p>
      <table role='grid' ref={grid} aria-labelledby={`cal-${propertyId}`} aria-describedby={`cal-${propertyId}-how`} onKeyDown={onKey}>
        <thead>
          <tr>{[0, 1, 2, 3, 4, 5, 6].map(i => { const d = addDays('2024-01-01', i); return <th key={i} scope='col' abbr={weekdayLong.format(at(d))}>{weekday.format(at(d))}</th> })}</tr>
        </thead>
        <tbody>
          {weeks.map((w, i) => (
            <tr key={i}>
              {w.map((d, j) => d === null
                ? <td key={j} />
                : (
                  <td key={d} role='gridcell' aria-selected={d === start || d === end} className={`night night-${d < today() ? 'past' : status.get(d)}${inStay(d) ? ' night-stay' : ''}${d === start || d === end ? ' night-picked' : ''}`}>
                    <button
                      type='button' data-date={d} tabIndex={d === tabStop ? 0 : -1} aria-disabled={!pickable(d)}
                      aria-label={`${longDate.format(at(d))}, ${d < today() ? 'past' : status.get(d) === 'free' ? 'free' : status.get(d) === 'blocked' ? 'blocked by the owner' : 'taken'}${d === start ? ', check-in' : ''}${d === end ? ', check-out' : ''}`}
                      onClick={() => { setFocus(d); pick(d) }} onFocus={() => setFocus(d)}
                    >{Number(d.slice(8))}
                    </button>
                  </td>
                  ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className='legend'><span className='night-free'>free</span> <span className='night-taken'>taken</span> <span className='night-blocked'>blocked</span></p>
    </div>
  )
}
