import { useId, useState } from 'react'
import { api, ApiError } from '../api/client.ts'
import type { Avatar, Reader } from '../api/types.ts'
import { uploadFile } from '../api/upload.ts'
import { useConfirm } from './Confirm.tsx'
import { Picture } from './Picture.tsx'
import { ErrorText } from './Status.tsx'

// The Settings page's avatar: choose a picture (sent with a progress bar, cropped square by the server), or remove it.

export function AvatarSettings ({ me, onChange }: { me: Reader, onChange (avatar: Avatar): void }) {
  const [share, setShare] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [said, setSaid] = useState('')
  const confirm = useConfirm()
  const id = useId()

  const run = async (fn: () => Promise<void>) => {
    setError(null); setSaid('')
    try { await fn() } catch (e) { setError(e instanceof ApiError ? e.message : String(e)) } finally { setShare(null) }
  }

  const choose = (file: File) => run(async () => {
    setShare(0)
    const { avatar } = await uploadFile<{ avatar: Avatar }>('PUT', '/api/me/avatar', file, setShare)
    onChange(avatar)
    setSaid('Saved: the other party of your bookings sees this picture.')
  })

  const remove = () => run(async () => {
    if (!await confirm({ title: 'Remove your picture?', body: <p>The other party of your bookings sees your initial instead.</p>, confirm: 'Remove the picture' })) return
    await api('DELETE', '/api/me/avatar')
    onChange(null)
    setSaid('Removed.')
  })

  return (
    <section className='card form' aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Your picture</h2>
      <div className='avatar-row'>
        {me.avatar
          ? <Picture className='avatar large' variants={me.avatar.variants} alt={`${me.name}'s picture`} sizes='96px' loading='eager' />
          : <span className='avatar large initial' aria-hidden='true'>{me.name.slice(0, 1).toUpperCase()}</span>}
        <div>
          <label htmlFor={`${id}-file`} className='file-label'>Choose a picture (JPEG, PNG or WebP)</label>
          <input id={`${id}-file`} type='file' accept='image/jpeg,image/png,image/webp' disabled={share !== null} onChange={e => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void choose(f) }} />
          {me.avatar && <button type='button' className='secondary danger small' onClick={() => { void remove() }}>Remove the picture</button>}
        </div>
      </div>
      {share !== null && (
        <div className='upload-progress'>
          <label htmlFor={`${id}-progress`}>Uploading: {Math.round(share * 100)} %</label>
          <progress id={`${id}-progress`} max={1} value={share} />
        </div>
      )}
      <p className='muted small' role='status'>{said}</p>
      <ErrorText>{error}</ErrorText>
    </section>
  )
}
