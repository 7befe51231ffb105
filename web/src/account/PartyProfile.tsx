import type { BookingDetail } from '../api/types.ts'

type Party = BookingDetail['owner']

const names = new Intl.DisplayNames(undefined, { type: 'language' })
/** A language tag in the reader's own words ("pt" → "Portuguese" for an English reader). */
const languageName = (tag: string) => { try { return names.of(tag) ?? tag } catch { return tag } }

/** What the other party of a booking wrote about themselves; never their e-mail address, which the API does not give. */
export function PartyProfile ({ party, as }: { party: Party, as: 'Guest' | 'Host' }) {
  const empty = !party.about && !party.city && party.languages.length === 0
  return (
    <section className='card party' aria-labelledby='party-title'>
      <h2 id='party-title'>{as === 'Guest' ? 'Your guest' : 'Your host'}: {party.name}</h2>
      {empty && <p className='muted'>{party.name} has not written a profile yet.</p>}
      {party.city && <p>Lives in {party.city}</p>}
      {party.languages.length > 0 && <p>Speaks {party.languages.map(languageName).join(', ')}</p>}
      {party.about && <p className='about'>{party.about}</p>}
    </section>
  )
}
