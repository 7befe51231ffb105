import type { Property } from '../api/types.ts'
import { formatMoney, plural } from '../format.ts'
import { Link } from '../router.tsx'
import { FavoriteButton } from './FavoriteButton.tsx'
import { Stars } from './Reviews.tsx'
import { CoverPicture } from './Picture.tsx'

/** A place in a list (search, favorites): its name links to its page; the heart when the reader is signed in. */
export function PropertyCard ({ property: p, href, onFavorite, loading = 'lazy' }: { property: Property, href: string, onFavorite? (saved: boolean): void, loading?: 'eager' | 'lazy' }) {
  return (
    <li className='card property-card'>
      {/* Cards above the fold load their covers at once (loading='eager'), the rest when scrolled to. */}
      <CoverPicture property={p} loading={loading} />
      <div className='card-title'>
        <h2><Link href={href}>{p.name}</Link></h2>
        {p.favorite !== undefined && <FavoriteButton id={p.id} name={p.name} saved={p.favorite} onChange={onFavorite} />}
      </div>
      <p className='muted'>{[p.city, p.state, p.country].filter(Boolean).join(', ')}</p>
      <p>{p.property_type} · {plural(p.bedrooms, 'bedroom')} · up to {plural(p.max_guests, 'guest')}</p>
      <p className='price'><strong>{formatMoney(p.price_per_night, p.currency)}</strong> a night</p>
      {p.rating && p.rating.average !== null && <p className='card-rating'><Stars rating={p.rating.average} /> {p.rating.average.toFixed(1)} <span className='muted'>({plural(p.rating.count, 'review')})</span></p>}
    </li>
  )
}
