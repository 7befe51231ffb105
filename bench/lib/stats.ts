// Percentiles and summaries of samples (latencies in ms, usually).

export interface Summary {
  count: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** The p-th percentile (0..100) of sorted values, nearest-rank: a value that was observed, never interpolated. */
export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export function summarize (values: number[]): Summary {
  const sorted = Float64Array.from(values).sort()
  const list = Array.from(sorted)
  const sum = list.reduce((a, b) => a + b, 0)
  return {
    count: list.length,
    mean: list.length ? sum / list.length : NaN,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.length ? list[list.length - 1] : NaN
  }
}

/** Rounds every number of a plain object (deeply) to `digits` decimals, for JSON and tables. */
export function rounded<T> (value: T, digits = 2): T {
  const f = 10 ** digits
  if (typeof value === 'number') return (Number.isFinite(value) ? Math.round(value * f) / f : value) as T
  if (Array.isArray(value)) return value.map(v => rounded(v, digits)) as T
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, digits)])) as T
  }
  return value
}

/** Wall-clock milliseconds with sub-millisecond resolution (CLOCK_REALTIME at start, monotonic after). */
export const nowMs = () => performance.timeOrigin + performance.now()
