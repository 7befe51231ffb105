import { useState } from 'react'
import type { Photo, Property } from '../api/types.ts'
import { CoverPicture } from '../components/Picture.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { formatMoney, plural } from '../format.ts'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'
import { ManageProperty } from './ManageProperty.tsx'
import { PhotoManager } from './PhotoManager.tsx'
import { PropertyForm } from './PropertyForm.tsx'

/** The owner's places, and the form to list one more. */
export default function OwnerProperties () {
  useTitle('My properties')
  const list = usePaged<Property>('/api/owner/properties', 'properties')
  const [adding, setAdding] = useState(false)

  return (
    <section className='page'>
      <div className='title-row'>
        <h1>My properties</h1>
        {!adding && <button type='button' onClick={() => setAdding(true)}>Add a property</button>}
      </div>
      {adding && <PropertyForm onDone={p => { setAdding(false); if (p) list.setItems(items => [p, ...(items ?? [])]) }} />}
      <ErrorText>{list.error}</ErrorText>
      {!list.items && !list.error && <Loading what='Loading your properties' />}
      {list.items?.length === 0 && !adding && <Empty><p>You have not listed a place yet. Add one to start receiving requests.</p></Empty>}
      {list.items && list.items.length > 0 && (
        <ul className='grid' aria-label='My properties'>
          {list.items.map(p => (
            <li key={p.id} className='card property-card'>
              <CoverPicture property={p} />
              <h2><Link href={`/property/${p.id}`}>{p.name}</Link></h2>
              <p className='muted'>{[p.city, p.state, p.country].join(', ')}</p>
              <p>{p.property_type} · up to {plural(p.max_guests, 'guest')}</p>
              <p className='price'><strong>{formatMoney(p.price_per_night, p.currency)}</strong> a night</p>
              {!p.listed && <p className='notice'>Unlisted: out of search, taking no new requests.</p>}
              <ManageProperty property={p} onChange={q => list.setItems(items => items?.map(x => x.id === q.id ? q : x) ?? null)} />
              <Photos property={p} onChange={photos => list.setItems(items => items?.map(o => o.id === p.id ? { ...o, photos } : o) ?? items)} />
            </li>
          ))}
        </ul>
      )}
      {list.next && <button type='button' className='secondary' onClick={() => { void list.loadMore() }}>Show more</button>}
    </section>
  )
}

/** The photo manager of one place, opened by its button. */
function Photos ({ property, onChange }: { property: Property, onChange (photos: Photo[]): void }) {
  const [open, setOpen] = useState(false)
  const id = `photos-${property.id}`
  return (
    <>
      <button type='button' className='secondary small' aria-expanded={open} aria-controls={id} onClick={() => setOpen(o => !o)}>
        {open ? 'Close photos' : `Photos (${property.photos.length})`}
      </button>
      <div id={id} hidden={!open}>{open && <PhotoManager property={property} onChange={onChange} />}</div>
    </>
  )
}
