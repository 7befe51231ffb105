import { badRequest } from '../errors.ts'
import { normalizePassword } from './password.ts'
import { SERVICE_WORDS, strength } from './password-strength.ts'

// NIST SP 800-63B 5.1.1.2 for passwords a person chooses: at least 8 characters as a person counts them, any
// characters allowed (spaces and emoji too), no composition rules; refused when guessable: common, a sequence,
// a repeat, a keyboard row, or built on the account's own name or e-mail address or on the service's name
// (zxcvbn's score under 3, password-strength.ts).

export const MIN_CHARACTERS = 8
export const MIN_SCORE = 3

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** Characters as a person counts them: grapheme clusters of the NFKC form (e + combining acute is one). */
export const characterCount = (password: string) => [...segmenter.segment(normalizePassword(password))].length

/** The words of an account a guesser would try: its name, its e-mail address, and their parts. */
function accountWords (user: { email: string, name: string }): string[] {
  const name = normalizePassword(user.name).trim()
  const email = normalizePassword(user.email)
  const local = email.split('@')[0]
  return [name, name.replace(/\s+/g, ''), ...name.split(/\s+/), email, local, ...local.split(/[._+-]+/)]
    .filter(w => w.length > 1)
}

/** Throws a 400 naming `field` (password) when it does not meet the policy, saying why. */
export async function checkPassword (password: string, user: { email: string, name: string }, field = 'password') {
  const refuse = (why: string) => { throw badRequest(why, field) }
  if (characterCount(password) < MIN_CHARACTERS) refuse(`must be at least ${MIN_CHARACTERS} characters`)
  const words = accountWords(user)
  const { score, warning } = await strength(normalizePassword(password), words)
  if (score >= MIN_SCORE) return
  // zxcvbn may explain "Smith123456" as a common password; the person learns more from "your name".
  const folded = normalizePassword(password).toLocaleLowerCase('en')
  const contains = (list: string[]) => list.some(w => w.length >= 3 && folded.includes(w.toLocaleLowerCase('en')))
  if (contains(words)) refuse('is too easy to guess: it contains your name or e-mail address')
  if (contains(SERVICE_WORDS)) refuse('is too easy to guess: it contains the name of this service')
  refuse(`is too easy to guess: ${warning || 'add a word or two that are less common'}`)
}
