import { useState } from 'react'
import { api, type ApiError } from '../api/client.ts'

/**
 * The heart: a toggle button (aria-pressed) that saves a place to the reader's favorites or takes it out. The
 * heart changes at once and goes back, with the reason said, if the server refuses; PUT and DELETE are idempotent,
 * so a double click cannot leave it wrong.
 */
export function FavoriteButton ({ id, name, saved: initial, onChange }: { id: number, name: string, saved: boolean, onChange? (saved: boolean): void }) {
  const [saved, setSaved] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  const toggle = async () => {
    const next = !saved
    setSaved(next); setError(null)
    try {
      await api(next ? 'PUT' : 'DELETE', `/api/favorites/${id}`)
      onChange?.(next)
    } catch (e) {
      setSaved(!next)
      setError((e as ApiError).message)
    }
  }
  return (
    <span className='favorite'>
      <button
        type='button' className='heart' aria-pressed={saved} onClick={() => { void toggle() }}
        aria-label={`Save ${name} to favorites`} title={saved ? 'Saved to your favorites' : 'Save to your favorites'}
      >
        <svg viewBox='0 0 24 24' width='22' height='22' aria-hidden='true' focusable='false'>
          <path d='M12 21s-7.5-4.6-9.5-9.2C1.2 8.7 3.2 5 6.8 5c2 0 3.6 1.1 4.4 2.6h1.6C13.6 6.1 15.2 5 17.2 5c3.6 0 5.6 3.7 4.3 6.8C19.5 16.4 12 21 12 21Z' />
        </svg>
      </button>
      {error && <span className='error small' role='alert'>{error}</span>}
    </span>
  )
}
