import type { Property, Variant } from '../api/types.ts'

// A stored photo as a <picture>: WebP for the browsers that take it, JPEG otherwise, each with every width in
// `srcset` so the browser picks by the `sizes` the page gives (how wide the picture is drawn).

const srcSet = (variants: Variant[], type: string) =>
  variants.filter(v => v.type === type).map(v => `${v.url} ${v.width}w`).join(', ')

interface Props {
  variants: Variant[]
  alt: string
  /** How wide the picture is drawn, for the browser's choice: '(max-width: 600px) 100vw, 320px'. */
  sizes: string
  /** 'lazy' below the fold; the first picture a page shows loads at once. */
  loading?: 'lazy' | 'eager'
  className?: string
}

export function Picture ({ variants, alt, sizes, loading = 'lazy', className }: Props) {
  const jpegs = variants.filter(v => v.type === 'image/jpeg')
  // The smallest JPEG as the fallback src: a browser without srcset support is an old, small one.
  const fallback = jpegs[jpegs.length - 1] ?? variants[0]
  if (!fallback) return null
  return (
    <picture className={className}>
      <source type='image/webp' srcSet={srcSet(variants, 'image/webp')} sizes={sizes} />
      <img
        src={fallback.url} srcSet={srcSet(variants, 'image/jpeg')} sizes={sizes} alt={alt}
        width={variants[0].width} height={variants[0].height} loading={loading} decoding='async'
      />
    </picture>
  )
}

/** A place's cover photo on its card (search results, the owner's list), below the fold unless told. */
export function CoverPicture ({ property, loading = 'lazy' }: { property: Property, loading?: 'lazy' | 'eager' }) {
  const cover = property.photos.find(p => p.cover) ?? property.photos[0]
  if (!cover) return null
  return (
    <Picture
      className='cover' variants={cover.variants} alt={`${property.name}, ${property.city}`} loading={loading}
      sizes='(max-width: 600px) calc(100vw - 2rem), 320px'
    />
  )
}
