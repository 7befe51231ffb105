import { readFileSync } from 'node:fs'
import { badRequest } from '../errors.ts'
import { normalizePassword } from './password.ts'

// NIST SP 800-63B 5.1.1.2 for passwords a person chooses: at least 8 characters as a person counts them, any
// characters allowed (spaces and emoji too), no composition rules; refused when common, repetitive, or
// derived from the account itself (its e-mail address or its name).

export const MIN_CHARACTERS = 8

const COMMON: ReadonlySet<string> = new Set(readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
  .split('\n').filter(line => line && !line.startsWith('#')))

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** Characters as a person counts them: grapheme clusters of the NFKC form (e + combining acute is one). */
export const characterCount = (password: string) => [...segmenter.segment(normalizePassword(password))].length

const fold = (s: string) => normalizePassword(s).toLocaleLowerCase('en').replace(/\s+/g, '')

/** Throws a 400 naming `password` when it does not meet the policy. */
export function checkPassword (password: string, user: { email: string, name: string }) {
  const refuse = (why: string) => { throw badRequest(why, 'password') }
  const graphemes = [...segmenter.segment(normalizePassword(password))].map(s => s.segment)
  if (graphemes.length < MIN_CHARACTERS) refuse(`must be at least ${MIN_CHARACTERS} characters`)
  if (graphemes.every(g => g === graphemes[0])) refuse('must not be one character repeated')
  const folded = fold(password)
  if (COMMON.has(normalizePassword(password).toLocaleLowerCase('en')) || COMMON.has(folded)) {
    refuse('is one of the most commonly used passwords; choose another')
  }
  const email = fold(user.email)
  const context = [email, email.split('@')[0], fold(user.name)].filter(s => s.length > 0)
  if (context.includes(folded)) refuse('must not be your e-mail address or your name')
}
