import type { ReviewFacts } from './trust.ts'

/** What the reviewed party is told (inbox, live, e-mail): who reviewed them, for which stay, and the rating. */
export function reviewSentence (f: ReviewFacts, rating: number): string {
  return f.author_role === 'traveler'
    ? `${f.author} reviewed their stay at ${f.property}: ${rating} out of 5.`
    : `${f.author}, your host at ${f.property}, reviewed your stay: ${rating} out of 5.`
}

/** The e-mail's headline and subject. */
export const reviewHeadline = (f: ReviewFacts) => f.author_role === 'traveler'
  ? `${f.author} reviewed their stay at ${f.property}`
  : `Your host at ${f.property} reviewed your stay`
