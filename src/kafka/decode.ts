// Kept while src/notifications/, src/email/ and src/analytics/consumer.ts (rewritten on branch tell) import
// this old path; delete once they import ./consumer/decode.ts.
export type { DecodedEvent } from './consumer/decode.ts'
