import { badRequest } from '../errors.ts'

/** The longest review or reply, in characters (code points, as PostgreSQL's char_length counts; the CHECKs say the same). */
export const MAX_REVIEW_LENGTH = 2000

// As a message's (messages/text.ts): control characters other than a line break or a tab, and the bidirectional
// embeddings, overrides and isolates, which can make a text read differently from what it says ("Trojan Source").
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u
const ALLOWED_CONTROLS = /[\n\t]/g

/** The text of a review or reply as it is stored (line endings made \n, ends trimmed), or a 400 that says what is wrong. */
export function checkReviewText (raw: string, field: string): string {
  const text = raw.replace(/\r\n?/g, '\n').trim()
  if (text === '') throw badRequest('must not be empty', field)
  const length = [...text].length
  if (length > MAX_REVIEW_LENGTH) throw badRequest(`must be at most ${MAX_REVIEW_LENGTH} characters long (it has ${length})`, field)
  const bad = FORBIDDEN.exec(text.replace(ALLOWED_CONTROLS, ''))
  if (bad) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
    throw badRequest(`must not contain control or text-direction characters (it has ${code}); line breaks and tabs are fine`, field)
  }
  return text
}
