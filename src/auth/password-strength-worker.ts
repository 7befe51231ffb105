import { parentPort } from 'node:worker_threads'
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as en from '@zxcvbn-ts/language-en'

// The thread that holds zxcvbn-ts's dictionaries and runs the checks (password-strength.ts starts it on the first
// check and ends it when checks stop coming): loading them takes about a second of CPU and tens of MiB, and one check
// takes milliseconds; neither touches the API's event loop or stays in its memory between sign-ups.

// Only the first 64 characters are analysed and l33t spellings tried 4 ways: the defaults (256, 100) let one
// crafted password of 200 characters take seconds.
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

const factory = new ZxcvbnFactory({
  ...LIMITS,
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: { ...en.translations, warnings: WARNINGS }
})

export interface StrengthRequest { id: number, password: string, userInputs: string[] }
export type StrengthAnswer = { id: number, score: number, warning: string } | { id: number, error: string }

parentPort!.on('message', ({ id, password, userInputs }: StrengthRequest) => {
  let answer: StrengthAnswer
  try {
    const result = factory.check(password, userInputs)
    answer = { id, score: result.score, warning: result.feedback.warning ?? '' }
  } catch (err) {
    answer = { id, error: (err as Error).message }
  }
  parentPort!.postMessage(answer)
})
