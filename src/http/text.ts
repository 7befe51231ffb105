import { Type } from 'typebox'

// Names people see (a user's, a property's): everything is stored as given and escaped where shown, except what
// can only deceive: control characters, bidirectional overrides and isolates (text that reads differently
// from how it is stored), and names made only of characters that show nothing.

const CONTROL = '\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069'
// Blank when alone: separators, format characters (zero-width space and joiners), combining marks, and the
// fillers that render as nothing (Hangul fillers, braille blank, Mongolian vowel separator).
const INVISIBLE = '\\p{Z}\\p{Cf}\\p{M}\\u115F\\u1160\\u3164\\uFFA0\\u2800\\u180E'
export const VISIBLE_TEXT = `^(?=[^]*[^${CONTROL}${INVISIBLE}])[^${CONTROL}]*$`

/** A required name: 1–max characters, at least one visible, no control or bidi-override characters. */
export const DisplayName = (max: number) => Type.String({
  minLength: 1,
  maxLength: max,
  pattern: VISIBLE_TEXT,
  description: 'must show at least one visible character and no control or bidirectional-override characters'
})
