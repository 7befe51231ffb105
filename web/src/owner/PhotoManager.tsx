import { useEffect, useId, useState, type ChangeEvent } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Photo, Property } from '../api/types.ts'
import { uploadFile } from '../api/upload.ts'
import { useConfirm } from '../components/Confirm.tsx'
import { Picture } from '../components/Picture.tsx'
import { ErrorText } from '../components/Status.tsx'

// An owner's photos of one property: add several (each with a progress bar), put them in order with buttons
// (keyboard first: no drag and drop needed), choose the cover that search results show, delete after asking.

interface Upload { name: string, index: number, total: number, share: number }

export function PhotoManager ({ property, onChange }: { property: Property, onChange (photos: Photo[]): void }) {
  const [photos, setPhotos] = useState(property.photos)
  const [upload, setUpload] = useState<Upload | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [said, setSaid] = useState('')
  const [focus, setFocus] = useState<string | null>(null)
  const confirm = useConfirm()
  const inputId = useId()
  const base = `/api/properties/${property.id}/photos`

  const update = (next: Photo[], message: string) => { setPhotos(next); onChange(next); setSaid(message) }

  // After a move, the same button of the moved photo keeps the focus, so arrow-like presses can go on.
  useEffect(() => {
    if (focus) document.getElementById(focus)?.focus()
    setFocus(null)
  }, [focus, photos])

  /** Runs an action; its error is shown. True when it went through. */
  const act = async (fn: () => Promise<void>): Promise<boolean> => {
    setError(null)
    try {
      await fn()
      return true
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
      return false
    }
  }

  const add = async (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])]
    e.target.value = ''
    let list = photos
    for (const [i, file] of files.entries()) {
      setUpload({ name: file.name, index: i + 1, total: files.length, share: 0 })
      const ok = await act(async () => {
        const { photo } = await uploadFile<{ photo: Photo }>('POST', base, file, share => setUpload(u => u && { ...u, share }))
        list = [...list, photo]
        update(list, `${file.name} added.`)
      })
      if (!ok) break
    }
    setUpload(null)
  }

  const move = (i: number, by: -1 | 1) => act(async () => {
    const order = photos.map(p => p.id)
    ;[order[i], order[i + by]] = [order[i + by], order[i]]
    const { photos: next } = await api<{ photos: Photo[] }>('PUT', `${base}/order`, { photo_ids: order })
    update(next, `Photo ${i + 1} is now photo ${i + 1 + by} of ${next.length}.`)
    // The same direction again if the photo can go on that way, else the other (the end it reached disables one).
    const j = i + by
    const canGoOn = by < 0 ? j > 0 : j < next.length - 1
    setFocus(`${inputId}-${photos[i].id}-${(by < 0) === canGoOn ? 'up' : 'down'}`)
  })

  const cover = (p: Photo, i: number) => act(async () => {
    const { photos: next } = await api<{ photos: Photo[] }>('PUT', `${base}/cover`, { photo_id: p.id })
    update(next, `Photo ${i + 1} is now the cover.`)
  })

  const remove = (p: Photo, i: number) => act(async () => {
    const ok = await confirm({
      title: `Delete photo ${i + 1}?`,
      body: <p>It disappears from {property.name} at once, and its files are deleted. This cannot be undone.</p>,
      confirm: 'Delete the photo'
    })
    if (!ok) return
    await api('DELETE', `${base}/${p.id}`)
    update(photos.filter(o => o.id !== p.id), `Photo ${i + 1} deleted.`)
  })

  return (
    <div className='photo-manager'>
      <p className='visually-hidden' role='status'>{said}</p>
      {photos.length === 0 && <p className='muted'>No photos yet. The first one you add becomes the cover.</p>}
      <ol className='photo-list' aria-label={`Photos of ${property.name}`}>
        {photos.map((p, i) => (
          <li key={p.id} className='photo-item'>
            <Picture variants={p.variants} alt={`Photo ${i + 1} of ${property.name}`} sizes='160px' />
            <p>Photo {i + 1}{p.cover && <strong className='cover-mark'> · Cover</strong>}</p>
            <div className='photo-actions'>
              <button type='button' className='secondary small' id={`${inputId}-${p.id}-up`} disabled={i === 0} onClick={() => { void move(i, -1) }} aria-label={`Move photo ${i + 1} earlier`}>↑ Earlier</button>
              <button type='button' className='secondary small' id={`${inputId}-${p.id}-down`} disabled={i === photos.length - 1} onClick={() => { void move(i, 1) }} aria-label={`Move photo ${i + 1} later`}>↓ Later</button>
              {!p.cover && <button type='button' className='secondary small' onClick={() => { void cover(p, i) }} aria-label={`Make cover: photo ${i + 1}`}>Make cover</button>}
              <button type='button' className='secondary danger small' onClick={() => { void remove(p, i) }} aria-label={`Delete photo ${i + 1}`}>Delete</button>
            </div>
          </li>
        ))}
      </ol>
      {upload && (
        <div className='upload-progress'>
          <label htmlFor={`${inputId}-progress`}>Uploading {upload.name} ({upload.index} of {upload.total}): {Math.round(upload.share * 100)} %</label>
          <progress id={`${inputId}-progress`} max={1} value={upload.share} />
        </div>
      )}
      <ErrorText>{error}</ErrorText>
      <label htmlFor={`${inputId}-file`} className='file-label'>Add photos (JPEG, PNG or WebP)</label>
      <input id={`${inputId}-file`} type='file' multiple accept='image/jpeg,image/png,image/webp' disabled={upload !== null} onChange={e => { void add(e) }} />
    </div>
  )
}
