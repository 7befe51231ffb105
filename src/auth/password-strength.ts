import type { ZxcvbnFactory } from '@zxcvbn-ts/core'

// How guessable a password is, by zxcvbn-ts: common passwords, words and names (its English and common
// dictionaries), keyboard rows, sequences, repeats, dates, l33t spellings, and the words of the user's own
// account. Loading the dictionaries holds the event loop for about a second and keeps tens of MiB: they are loaded
// once, when the API registers its routes (before it listens, so no request waits behind them); the relay and the
// workers never load them (BENCHMARKS.md, "Password strength").

/** Words of the service itself: a password built on them is as guessable as one built on the user's name. */
export const SERVICE_WORDS = ['hostly', 'booking', 'bookings', 'hostlybooking']

// Only the first 64 characters are analysed and l33t spellings tried 4 ways: the defaults (256, 100) let one
// crafted password of 200 characters hold the event loop for seconds.
const LIMITS = { maxLength: 64, l33tMaxSubstitutions: 4 }

/** Why a password is guessable, worded to follow "password is too easy to guess: ". */
const WARNINGS = {
  straightRow: 'it is a row of keys on the keyboard',
  keyPattern: 'it is a short keyboard pattern',
  simpleRepeat: 'it repeats one character',
  extendedRepeat: 'it repeats a short pattern',
  sequences: 'it is a sequence such as abcd or 4321',
  recentYears: 'it is built on a recent year',
  dates: 'it is built on a date',
  topTen: 'it is one of the most used passwords',
  topHundred: 'it is one of the most used passwords',
  common: 'it is a commonly used password',
  similarToCommon: 'it is a commonly used password with small changes',
  wordByItself: 'a single word is easy to guess',
  namesByThemselves: 'a name on its own is easy to guess',
  commonNames: 'common names are easy to guess',
  userInputs: 'it contains your name, your e-mail address or the name of this service',
  pwned: 'it is known from a data breach'
}

let factory: Promise<ZxcvbnFactory> | undefined

/** Loads the dictionaries, once per process; strength() waits for the same load. */
export function loadPasswordStrength (): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')
    ])
    return new ZxcvbnFactory({
      ...LIMITS,
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: { ...en.translations, warnings: WARNINGS }
    })
  })()
  return factory
}

/**
 * The password's strength, against zxcvbn's dictionaries and the words of this account (`userInputs`): its score,
 * 0 (guessed at once) to 4 (very unlikely to be guessed), and why it is weak when zxcvbn can tell.
 */
export async function strength (password: string, userInputs: string[]): Promise<{ score: number, warning: string }> {
  const result = (await loadPasswordStrength()).check(password, [...userInputs, ...SERVICE_WORDS])
  return { score: result.score, warning: result.feedback.warning ?? '' }
}
