import { useEffect, useState, type FormEvent } from 'react'
import { api, query, type ApiError } from '../api/client.ts'
import type { Analytics, Figures, Property } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { DEFAULT_CURRENCY as CURRENCY, formatDate, formatMoney, today } from '../format.ts'
import { Link, useTitle } from '../router.tsx'
import { BarChart, DayChart } from './BarChart.tsx'

const percent = (n: number) => `${Math.round(n * 100)} %`
const axisMoney = (n: number) => formatMoney(n, CURRENCY, true)
const count = (n: number) => String(n)

/** A time to answer in the unit a person would say it: seconds, minutes, hours or days. */
export function duration (minutes: number): string {
  const s = minutes * 60
  if (s < 90) return `${Math.round(s)} s`
  if (minutes < 90) return `${Math.round(minutes)} min`
  if (minutes < 48 * 60) return `${Math.round(minutes / 6) / 10} h`
  return `${Math.round(minutes / 144) / 10} d`
}

/** What each figure counts: on the page, in the API's schema and in docs/operations.md alike. */
const DEFINITIONS: Array<[string, string]> = [
  ['Nights booked', 'Nights of accepted stays, not cancelled since, that fall within the period: a stay that crosses the period\'s first or last day counts only its nights inside it.'],
  ['Occupancy', 'Nights booked ÷ listed nights: the nights of the period on which your places were listed (from the day each was listed).'],
  ['Revenue', 'Counted on the nights stayed: each booked night brings its share of the stay\'s total (total ÷ nights), on that night. A cancelled stay brings nothing.'],
  ['Requests, accepted', 'Counted on the day the request was made, and on the day you accepted it.'],
  ['Declined, withdrawn', 'Requests you declined, and requests the traveler withdrew before you answered.'],
  ['Stays cancelled', 'Accepted stays cancelled afterwards, by the traveler or by you.'],
  ['Dates taken, expired', 'Requests cancelled because you accepted another stay over the same nights, and requests left unanswered past the time limit.'],
  ['Median answer', 'The middle time from a request to your accepting or declining it, over the answers given within the period.'],
  ['Messages, reviews, rating', 'Since each place was listed, whatever the period: the messages written about it (by guests and by you), its guests\' published reviews and their average rating (1 to 5). Your reviews of guests are not counted.']
]

/** The period as dates: the last 30 days up to today, or the next 30 from today. */
const LAST_30 = () => ({ from: today(-29), to: today() })
const NEXT_30 = () => ({ from: today(), to: today(29) })

/** The owner's figures: totals, per day and per property, each defined on the page. */
export default function OwnerAnalytics () {
  useTitle('Analytics')
  const [range, setRange] = useState(LAST_30)
  const [form, setForm] = useState(range)
  const [data, setData] = useState<Analytics | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  // The figures name properties by id; their names come from the owner's list (up to 100, the page's limit).
  const [names, setNames] = useState<Map<number, string> | null>(null)

  useEffect(() => {
    api<{ properties: Property[] }>('GET', '/api/owner/properties?limit=100')
      .then(r => setNames(new Map(r.properties.map(p => [p.id, p.name]))), () => setNames(new Map()))
  }, [])

  useEffect(() => {
    let current = true
    setData(null); setError(null)
    api<Analytics>('GET', '/api/owner/analytics' + query(range))
      .then(d => { if (current) setData(d) }, (e: ApiError) => { if (current) setError(e) })
    return () => { current = false }
  }, [range.from, range.to])

  const show = (r: { from: string, to: string }) => { setForm(r); setRange(r) }
  const submit = (e: FormEvent) => { e.preventDefault(); setRange(form) }
  const name = (p: Analytics['by_property'][number]) => names?.get(p.property_id) ?? `Property ${p.property_id}`

  return (
    <section className='page'>
      <h1>Analytics</h1>
      <form className='card search compact' onSubmit={submit} noValidate aria-label='Period'>
        <Field label='From' type='date' value={form.from} onChange={e => setForm(f => ({ ...f, from: e.target.value }))} error={error?.field('from')} />
        <Field label='To' type='date' value={form.to} onChange={e => setForm(f => ({ ...f, to: e.target.value }))} error={error?.field('to')} />
        <button type='submit'>Show</button>
        <div className='actions period-presets'>
          <button type='button' className='secondary small' onClick={() => show(LAST_30())}>Last 30 days</button>
          <button type='button' className='secondary small' onClick={() => show(NEXT_30())}>Next 30 days</button>
        </div>
      </form>
      {error && error.status === 404 && error.code === 'NOT_FOUND' && !error.details.length
        ? <Empty><p>Analytics are not available on this server yet.</p></Empty>
        : error && !error.details.length && <ErrorText>{error.message}</ErrorText>}
      {!data && !error && <Loading what='Adding up' />}
      {data && names && data.by_property.length === 0 && (
        <Empty><p>You have no place listed yet, so there is nothing to count. <Link href='/owner/properties'>List your first place</Link>.</p></Empty>
      )}
      {data && data.by_property.length > 0 && (
        <>
          <p className='muted'>{formatDate(data.from)} – {formatDate(data.to)} (days in UTC).</p>
          <Totals t={data.totals} />
          {data.totals.requests === 0 && data.totals.nights_booked === 0
            ? <Empty><p>Nothing happened in this period. Figures appear here as travelers request your places; stays already booked count on their nights: try “Next 30 days”.</p></Empty>
            : (
              <div className='charts'>
                <DayChart title='Nights booked per day' unit='nights booked (all your places)' whole bars={data.by_day.map(d => ({ label: formatDate(d.date), value: d.nights_booked }))} format={count} />
                <DayChart title='Revenue per day, on the nights stayed' unit={`revenue (${CURRENCY})`} bars={data.by_day.map(d => ({ label: formatDate(d.date), value: d.revenue }))} format={axisMoney} />
                <BarChart title='Occupancy per property' unit='nights booked ÷ listed nights' max={1} bars={data.by_property.map(p => ({ label: name(p), value: p.occupancy }))} format={percent} />
                <BarChart title='Revenue per property' unit={`revenue on the nights stayed (${CURRENCY})`} bars={data.by_property.map(p => ({ label: name(p), value: p.revenue }))} format={axisMoney} />
                <BarChart title='Median time to answer per property' unit='request → your answer' none='no answers' bars={data.by_property.map(p => ({ label: name(p), value: p.median_response_minutes }))} format={duration} />
              </div>
              )}
          {/* Scrolls sideways on a phone: focusable, so a keyboard can scroll it too. */}
          <div className='table-scroll' tabIndex={0} role='region' aria-label='Figures per property'>
            <table className='figures'>
              <caption>Figures per property</caption>
              <thead>
                <tr>
                  <th scope='col'>Property</th><th scope='col'>Requests</th><th scope='col'>Accepted</th><th scope='col'>Declined</th>
                  <th scope='col'>Withdrawn</th><th scope='col'>Stays cancelled</th><th scope='col'>Dates taken</th><th scope='col'>Expired</th>
                  <th scope='col'>Nights booked</th><th scope='col'>Listed nights</th><th scope='col'>Occupancy</th><th scope='col'>Revenue</th><th scope='col'>Median answer</th>
                  <th scope='col'>Messages</th><th scope='col'>Reviews</th><th scope='col'>Rating</th>
                </tr>
              </thead>
              <tbody>
                {data.by_property.map(p => (
                  <tr key={p.property_id}>
                    <th scope='row'>{name(p)}</th><td>{p.requests}</td><td>{p.accepted}</td><td>{p.declined}</td><td>{p.withdrawn}</td>
                    <td>{p.cancelled_by_traveler + p.cancelled_by_owner}</td><td>{p.dates_taken}</td><td>{p.expired}</td>
                    <td>{p.nights_booked}</td><td>{p.listed_nights}</td><td>{percent(p.occupancy)}</td><td>{formatMoney(p.revenue)}</td>
                    <td>{p.median_response_minutes === null ? '–' : duration(p.median_response_minutes)}</td>
                    <td>{p.messages}</td><td>{p.reviews}</td><td>{p.average_rating === null ? '–' : p.average_rating.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <details className='card definitions'>
            <summary>How these figures are counted</summary>
            <dl>{DEFINITIONS.map(([term, text]) => <div key={term}><dt>{term}</dt><dd>{text}</dd></div>)}</dl>
          </details>
        </>
      )}
    </section>
  )
}

function Totals ({ t }: { t: Figures }) {
  const items: Array<[string, string, string]> = [
    ['Nights booked', String(t.nights_booked), `of ${t.listed_nights} listed nights`],
    ['Occupancy', percent(t.occupancy), 'nights booked ÷ listed nights'],
    ['Revenue', formatMoney(t.revenue), 'on the nights stayed'],
    ['Requests', String(t.requests), `${t.accepted} accepted`],
    ['Declined', String(t.declined), `${t.withdrawn} withdrawn by travelers`],
    ['Stays cancelled', String(t.cancelled_by_traveler + t.cancelled_by_owner), `${t.cancelled_by_traveler} by travelers, ${t.cancelled_by_owner} by you`],
    ['Dates taken', String(t.dates_taken), `${t.expired} expired unanswered`],
    ['Median answer', t.median_response_minutes === null ? '–' : duration(t.median_response_minutes), t.median_response_minutes === null ? 'no answers in this period' : 'request → your answer']
  ]
  return (
    <dl className='totals'>
      {items.map(([term, value, note]) => <div key={term}><dt>{term}</dt><dd>{value}</dd><dd className='note-small'>{note}</dd></div>)}
    </dl>
  )
}
