// Kept while src/notifications/, src/email/ and src/analytics/consumer.ts (rewritten on branch tell) import
// this old path; delete once they import ./consumer/spec.ts.
export type { ConsumerSpec } from './consumer/spec.ts'
