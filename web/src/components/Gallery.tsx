import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react'
import type { Photo } from '../api/types.ts'
import { Picture } from './Picture.tsx'

// A place's photos, one at a time: previous and next buttons, the arrow keys while the gallery has the focus, a
// swipe on a touch screen, and a row of thumbnails to jump. Each photo's alt text says which it is and of what.

const SWIPE = 40 // px of horizontal travel that count as a swipe rather than a tap

export function Gallery ({ photos, name }: { photos: Photo[], name: string }) {
  const [index, setIndex] = useState(0)
  const start = useRef<number | null>(null)
  if (photos.length === 0) return null
  const n = photos.length
  const go = (i: number) => setIndex((i + n) % n)
  const alt = (i: number) => `${name}: photo ${i + 1} of ${n}`

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft') { e.preventDefault(); go(index - 1) }
    if (e.key === 'ArrowRight') { e.preventDefault(); go(index + 1) }
  }
  const onDown = (e: PointerEvent) => { start.current = e.clientX }
  const onUp = (e: PointerEvent) => {
    if (start.current === null) return
    const dx = e.clientX - start.current
    start.current = null
    if (Math.abs(dx) > SWIPE) go(dx < 0 ? index + 1 : index - 1)
  }

  return (
    <section className='gallery' aria-roledescription='carousel' aria-label={`Photos of ${name}`}>
      <div
        className='gallery-stage' tabIndex={0} onKeyDown={onKey} onPointerDown={onDown} onPointerUp={onUp}
        onPointerCancel={() => { start.current = null }} aria-label={`${alt(index)}. Left and right arrows show the others.`}
      >
        {/* The first photo is the top of the page: it loads at once; the others when shown. */}
        <Picture variants={photos[index].variants} alt={alt(index)} sizes='(max-width: 800px) 100vw, 760px' loading={index === 0 ? 'eager' : 'lazy'} />
      </div>
      {n > 1 && (
        <div className='gallery-controls'>
          <button type='button' className='secondary small' onClick={() => go(index - 1)} aria-label='Previous photo'>‹ Previous</button>
          <p aria-live='polite'>{index + 1} / {n}</p>
          <button type='button' className='secondary small' onClick={() => go(index + 1)} aria-label='Next photo'>Next ›</button>
        </div>
      )}
      {n > 1 && (
        <ul className='gallery-thumbs' aria-label='All photos'>
          {photos.map((p, i) => (
            <li key={p.id}>
              <button type='button' className='thumb' aria-current={i === index} aria-label={`Show photo ${i + 1} of ${n}`} onClick={() => setIndex(i)}>
                <Picture variants={p.variants} alt='' sizes='80px' />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
