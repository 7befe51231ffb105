// (e) The seed's design as the baseline: the same booking load (same connections, travelers, cookies and
// session lookup in PostgreSQL) against bench/baseline/server.ts, interleaved with Hostly's runs level by
// level so that both see the same machine; then the comparisons.
import { measureCreation, type CreationRun, type Target } from './booking-creation.ts'
import type { Monitor } from '../lib/monitor.ts'

export interface Level { connections: number, ours: CreationRun, baseline: CreationRun, throughput_ratio: number, p99_ratio: number }

export async function creationAgainstBaseline (ours: Target, baseline: Target, opts: {
  levels: number[], seconds: number, warmupS: number, settleS: number, monitor: Monitor, log: (line: string) => void
}): Promise<{ levels: Level[], throughput_ratio: number, p99_ratio: number }> {
  const levels: Level[] = []
  for (const connections of opts.levels) {
    const run = async (target: Target) => {
      const r = await measureCreation(target, connections, opts)
      opts.log(`booking creation, ${target.name}, ${connections} connections: ${r.rps.toFixed(0)} req/s, p99 ${r.latency.p99.toFixed(1)} ms`)
      return r
    }
    const o = await run(ours)
    const b = await run(baseline)
    levels.push({ connections, ours: o, baseline: b, throughput_ratio: o.rps / b.rps, p99_ratio: o.latency.p99 / b.latency.p99 })
  }
  // The named comparisons are the least favourable level: a target met there is met at every level.
  return {
    levels,
    throughput_ratio: Math.min(...levels.map(l => l.throughput_ratio)),
    p99_ratio: Math.max(...levels.map(l => l.p99_ratio))
  }
}
