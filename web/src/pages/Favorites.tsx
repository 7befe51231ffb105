import type { Property } from '../api/types.ts'
import { PropertyCard } from '../components/PropertyCard.tsx'
import { Empty, ErrorText, Loading } from '../components/Status.tsx'
import { Link, useTitle } from '../router.tsx'
import { usePaged } from '../usePaged.ts'

/** The places the reader saved, most recently saved first. Taking the heart off keeps the card until the next visit, so a slip is undone in place. */
export function Favorites () {
  useTitle('Favorites')
  const saved = usePaged<Property>('/api/favorites', 'properties')
  return (
    <section className='page'>
      <h1>Favorites</h1>
      <ErrorText>{saved.error}</ErrorText>
      {!saved.items && !saved.error && <Loading what='Loading your favorites' />}
      {saved.items?.length === 0 && <Empty><p>No favorites yet. Tap the heart on a place to keep it here. <Link href='/'>Find a place to stay</Link>.</p></Empty>}
      {saved.items && saved.items.length > 0 && (
        <ul className='grid' aria-label='Favorite places'>
          {saved.items.map(p => <PropertyCard key={p.id} property={p} href={`/property/${p.id}`} />)}
        </ul>
      )}
      {saved.next && <button type='button' className='secondary' onClick={() => { void saved.loadMore() }}>Show more</button>}
    </section>
  )
}
