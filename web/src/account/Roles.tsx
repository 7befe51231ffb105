import { useState } from 'react'
import { api, type ApiError } from '../api/client.ts'
import type { Reader } from '../api/types.ts'
import { ErrorText } from '../components/Status.tsx'
import { Link } from '../router.tsx'
import { useSession } from '../session.tsx'

/** One account may host and travel: a traveler starts hosting, an owner starts travelling (role 'both'); the header then shows both sets of pages. */
export function Roles ({ me }: { me: Reader }) {
  const { signedIn } = useSession()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const start = async () => {
    setBusy(true); setError(null)
    try {
      const { user } = await api<{ user: Reader }>('PATCH', '/api/me', { role: 'both' })
      signedIn(user)
    } catch (e) {
      setError((e as ApiError).message)
    } finally { setBusy(false) }
  }
  return (
    <section className='card form' aria-labelledby='roles-title'>
      <h2 id='roles-title'>Hosting and travelling</h2>
      {me.role === 'both' && <p role='status'>You host and travel: <Link href='/owner/properties'>your places</Link> and <Link href='/trips'>your trips</Link> are both in the menu.</p>}
      {me.role === 'traveler' && <p>Have a place to let? Start hosting and list it; your trips stay as they are.</p>}
      {me.role === 'owner' && <p>Going away yourself? Start travelling to request stays at other people’s places; your places stay as they are.</p>}
      {me.role !== 'both' && (
        <div className='actions'>
          <button type='button' className='secondary' disabled={busy} onClick={() => { void start() }}>{me.role === 'traveler' ? 'Start hosting' : 'Start travelling'}</button>
        </div>
      )}
      <ErrorText>{error}</ErrorText>
    </section>
  )
}
