// The old names of src/retryable.ts's predicates, kept as an import path for code written before it.
export { isRetryable as isTransient, isUnavailable as isDatabaseDown } from '../retryable.ts'
