import { useEffect, useState, type FormEvent } from 'react'
import { api, query, type ApiError } from '../api/client.ts'
import type { Analytics, Figures, Property } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatDate, formatMoney, today } from '../format.ts'
import { useTitle } from '../router.tsx'
import { BarChart, DayChart } from './BarChart.tsx'

const percent = (n: number) => `${Math.round(n * 100)} %`
const minutes = (n: number) => n >= 120 ? `${Math.round(n / 60)} h` : `${Math.round(n)} min`

/** Owner analytics (docs/http.md): occupancy, revenue and response time per property, revenue per day. */
export default function OwnerAnalytics () {
  useTitle('Analytics')
  const [range, setRange] = useState({ from: today(-29), to: today() })
  const [form, setForm] = useState(range)
  const [data, setData] = useState<Analytics | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  // The figures name properties by id; their names come from the owner's list (up to 100, the page's limit).
  const [names, setNames] = useState<Map<number, string>>(new Map())

  useEffect(() => {
    api<{ properties: Property[] }>('GET', '/api/owner/properties?limit=100')
      .then(r => setNames(new Map(r.properties.map(p => [p.id, p.name]))), () => {})
  }, [])

  useEffect(() => {
    let current = true
    setData(null); setError(null)
    api<Analytics>('GET', '/api/owner/analytics' + query(range))
      .then(d => { if (current) setData(d) }, (e: ApiError) => { if (current) setError(e) })
    return () => { current = false }
  }, [range.from, range.to])

  const submit = (e: FormEvent) => { e.preventDefault(); setRange(form) }
  const name = (p: Analytics['by_property'][number]) => names.get(p.property_id) ?? `Property ${p.property_id}`

  return (
    <section className='page'>
      <h1>Analytics</h1>
      <form className='card search compact' onSubmit={submit} noValidate aria-label='Period'>
        <Field label='From' type='date' value={form.from} onChange={e => setForm(f => ({ ...f, from: e.target.value }))} error={error?.field('from')} />
        <Field label='To' type='date' value={form.to} onChange={e => setForm(f => ({ ...f, to: e.target.value }))} error={error?.field('to')} />
        <button type='submit'>Show</button>
      </form>
      {error && error.status === 404 && error.code === 'NOT_FOUND' && !error.details.length
        ? <Empty><p>Analytics are not available on this server yet.</p></Empty>
        : error && !error.details.length && <ErrorText>{error.message}</ErrorText>}
      {!data && !error && <Loading what='Adding up' />}
      {data && (
        <>
          <Totals t={data.totals} />
          {data.totals.requests === 0 && data.totals.nights_booked === 0
            ? <Empty><p>No activity in this period.</p></Empty>
            : (
              <div className='charts'>
                <DayChart title='Revenue per day' bars={data.by_day.map(d => ({ label: formatDate(d.date), value: d.revenue }))} format={formatMoney} />
                <BarChart title='Occupancy per property' max={1} bars={data.by_property.map(p => ({ label: name(p), value: p.occupancy }))} format={percent} />
                <BarChart title='Revenue per property' bars={data.by_property.map(p => ({ label: name(p), value: p.revenue }))} format={formatMoney} />
                <BarChart title='Median response time per property' bars={data.by_property.map(p => ({ label: name(p), value: p.median_response_minutes ?? 0 }))} format={minutes} />
              </div>
              )}
          {/* Scrolls sideways on a phone: focusable, so a keyboard can scroll it too. */}
          <div className='table-scroll' tabIndex={0} role='region' aria-label='Figures per property'>
            <table className='figures'>
              <caption>Figures per property</caption>
              <thead><tr><th scope='col'>Property</th><th scope='col'>Requests</th><th scope='col'>Accepted</th><th scope='col'>Occupancy</th><th scope='col'>Revenue</th><th scope='col'>Median answer</th></tr></thead>
              <tbody>
                {data.by_property.map(p => (
                  <tr key={p.property_id}><th scope='row'>{name(p)}</th><td>{p.requests}</td><td>{p.accepted}</td><td>{percent(p.occupancy)}</td><td>{formatMoney(p.revenue)}</td><td>{p.median_response_minutes === null ? '–' : minutes(p.median_response_minutes)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}

function Totals ({ t }: { t: Figures }) {
  return (
    <dl className='totals'>
      <div><dt>Requests</dt><dd>{t.requests}</dd></div>
      <div><dt>Accepted</dt><dd>{t.accepted}</dd></div>
      <div><dt>Nights booked</dt><dd>{t.nights_booked}</dd></div>
      <div><dt>Occupancy</dt><dd>{percent(t.occupancy)}</dd></div>
      <div><dt>Revenue</dt><dd>{formatMoney(t.revenue)}</dd></div>
      <div><dt>Median answer</dt><dd>{t.median_response_minutes === null ? '–' : minutes(t.median_response_minutes)}</dd></div>
    </dl>
  )
}
