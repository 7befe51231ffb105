import { badRequest } from '../errors.ts'

/** The longest message, in characters (code points, as PostgreSQL's char_length counts; messages' CHECK says the same). */
export const MAX_MESSAGE_LENGTH = 5000

// Control characters other than a line break or a tab, and the bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which can make a message read differently from what it says ("Trojan Source").
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u
const ALLOWED_CONTROLS = /[\n\t]/g

/** The text of a message as it is stored (line endings made \n), or a 400 that says what is wrong with it. */
export function checkMessage (raw: string, field: string): string {
  const text = raw.replace(/\r\n?/g, '\n')
  if (text.trim() === '') throw badRequest('must not be empty', field)
  const length = [...text].length
  if (length > MAX_MESSAGE_LENGTH) throw badRequest(`must be at most ${MAX_MESSAGE_LENGTH} characters long (it has ${length})`, field)
  const bad = FORBIDDEN.exec(text.replace(ALLOWED_CONTROLS, ''))
  if (bad) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
    throw badRequest(`must not contain control or text-direction characters (it has ${code}); line breaks and tabs are fine`, field)
  }
  return text
}
