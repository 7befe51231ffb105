import { Type } from 'typebox'
import { badRequest } from '../errors.ts'
import { Avatar } from '../storage/schemas.ts'

// A person's profile: what the other party of a booking sees of them (GET /api/bookings/:id), and nothing more:
// no e-mail address, no settings. Written by the person with PATCH /api/me.

// Text a person writes about themselves: line breaks and tabs are fine, other control characters and bidirectional
// overrides (text that reads otherwise than it is stored) are not. Empty clears it.
const PROSE = '^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F\\u202A-\\u202E\\u2066-\\u2069]*$'
const LINE = '^[^\\u0000-\\u001F\\u007F\\u202A-\\u202E\\u2066-\\u2069]*$'
const NO_CONTROL = 'must not contain control or bidirectional-override characters'

export const AboutField = Type.String({ maxLength: 1000, pattern: PROSE, description: `a few words about yourself, at most 1000 characters; ${NO_CONTROL}` })
export const CityField = Type.String({ maxLength: 100, pattern: LINE, description: `where you live, at most 100 characters; ${NO_CONTROL}` })
export const LanguagesField = Type.Array(Type.String({ minLength: 2, maxLength: 35, description: 'a language tag such as en, pt or fr-CA' }), {
  maxItems: 10, description: 'the languages you speak, at most 10, as language tags (en, pt, fr-CA)'
})

/** What the other party of a booking sees of a person. */
export const PublicProfile = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  about: Type.String(),
  city: Type.String(),
  languages: Type.Array(Type.String(), { description: 'language tags, canonical (en, pt-PT)' }),
  avatar: Avatar,
  deleted: Type.Boolean({ description: 'true: the person deleted their account; the name reads "Deleted account" and the profile is empty' })
})

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' })

/** The tags written canonically (PT → pt), each a language Intl can name, without repeats; a 400 naming the item otherwise. */
export function canonicalLanguages (raw: string[]): string[] {
  const tags = raw.map((tag, i) => {
    let canonical: string | undefined
    try { canonical = Intl.getCanonicalLocales(tag.trim())[0] } catch {}
    if (!canonical || !names.of(canonical)) {
      throw badRequest({ sentence: `“${tag}” is not a language we know; use a tag such as en, pt or fr-CA.` }, `languages.${i}`)
    }
    return canonical
  })
  return [...new Set(tags)]
}
