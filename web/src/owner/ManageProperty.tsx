import { useEffect, useId, useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { Block, Property } from '../api/types.ts'
import { Field } from '../components/Field.tsx'
import { ErrorText } from '../components/Status.tsx'
import { formatRange, plural, today } from '../format.ts'
import { useSubmit } from '../useSubmit.ts'
import { PropertyForm } from './PropertyForm.tsx'

/** An owner's controls for one property: edit it, unlist or relist it, block and unblock nights. */
export function ManageProperty ({ property, onChange }: { property: Property, onChange (p: Property): void }) {
  const [open, setOpen] = useState<'edit' | 'dates' | null>(null)
  const listing = useSubmit([])
  const toggle = () => {
    void listing.run(async () => {
      const { property: p } = await api<{ property: Property }>('PATCH', `/api/properties/${property.id}`, { listed: !property.listed })
      onChange(p)
    })
  }
  return (
    <div className='manage'>
      <div className='actions'>
        <button type='button' className='secondary' aria-expanded={open === 'edit'} onClick={() => setOpen(open === 'edit' ? null : 'edit')}>Edit</button>
        <button type='button' className='secondary' aria-expanded={open === 'dates'} onClick={() => setOpen(open === 'dates' ? null : 'dates')}>Blocked dates</button>
        <button type='button' className='secondary' disabled={listing.busy} onClick={toggle}>{property.listed ? 'Unlist' : 'List again'}</button>
      </div>
      <ErrorText>{listing.general}</ErrorText>
      {open === 'edit' && <PropertyForm editing={property} onDone={p => { setOpen(null); if (p) onChange(p) }} />}
      {open === 'dates' && <Blocks property={property} />}
    </div>
  )
}

function Blocks ({ property }: { property: Property }) {
  const [blocks, setBlocks] = useState<Block[] | null>(null)
  const [start, setStart] = useState('')
  const [end, setEnd] = useState('')
  const [note, setNote] = useState('')
  const [declined, setDeclined] = useState(0)
  const form = useSubmit(['start_date', 'end_date', 'note'])
  const titleId = useId()
  const base = `/api/properties/${property.id}/blocks`

  useEffect(() => {
    let current = true
    api<{ blocks: Block[] }>('GET', base).then(r => { if (current) setBlocks(r.blocks) }, () => { if (current) setBlocks([]) })
    return () => { current = false }
  }, [base])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      const r = await api<{ block: Block, cancelled_bookings: number[] }>('POST', base, { start_date: start, end_date: end, note })
      setBlocks(b => [...(b ?? []), r.block].sort((x, y) => x.start_date.localeCompare(y.start_date)))
      setDeclined(r.cancelled_bookings.length)
      setStart(''); setEnd(''); setNote('')
    })
  }
  const unblock = (b: Block) => {
    void form.run(async () => {
      await api('DELETE', `${base}/${b.id}`)
      setBlocks(bs => bs?.filter(x => x.id !== b.id) ?? null)
    })
  }

  return (
    <section className='blocks' aria-labelledby={titleId}>
      <h3 id={titleId}>Blocked dates</h3>
      {blocks?.length === 0 && <p className='muted'>No dates blocked.</p>}
      {blocks && blocks.length > 0 && (
        <ul aria-label={`Blocked dates of ${property.name}`}>
          {blocks.map(b => (
            <li key={b.id}>
              {formatRange(b.start_date, b.end_date)}{b.note && <> · {b.note}</>}{' '}
              <button type='button' className='link' onClick={() => unblock(b)} aria-label={`Unblock ${formatRange(b.start_date, b.end_date)}`}>Unblock</button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} noValidate className='cols'>
        <Field label='First night' type='date' min={today()} value={start} onChange={e => setStart(e.target.value)} error={form.field('start_date')} />
        <Field label='Until the morning of' type='date' min={start || today(1)} value={end} onChange={e => setEnd(e.target.value)} error={form.field('end_date')} />
        <Field label='Note (only you see it)' maxLength={200} value={note} onChange={e => setNote(e.target.value)} error={form.field('note')} />
        <div className='actions'><button type='submit' disabled={form.busy}>Block these dates</button></div>
      </form>
      <ErrorText>{form.general}</ErrorText>
      {declined > 0 && <p role='status' className='notice'>{plural(declined, 'pending request')} over those nights {declined === 1 ? 'was' : 'were'} declined; the guests are told.</p>}
    </section>
  )
}
