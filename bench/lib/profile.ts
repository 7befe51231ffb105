// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per area (a package, a file of
// src/, Node's internals, the garbage collector), as shares of the time the process was not idle.
import { readFile } from 'node:fs/promises'

/** A V8 .cpuprofile, the parts read here and in flamegraph.ts. */
export interface CallFrame { functionName: string, url: string, lineNumber: number }
export interface ProfileNode { id: number, callFrame: CallFrame, children?: number[], hitCount?: number }
export interface Profile { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

export interface Share { name: string, ms: number, pct: number }
export interface ProfileSummary { busy_ms: number, idle_ms: number, top_functions: Share[], areas: Share[] }

function area (url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg) return pkg[1]
  const src = /\/(src|bench)\/(.+)$/.exec(url)
  if (src) return `${src[1]}/${src[2]}`
  if (url.startsWith('node:')) return 'node internals'
  return url
}

/** A frame's file, from the package or from src/ (or bench/). */
export const shortUrl = (url: string) => url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')

export async function summarizeProfile (file: string, top = 20): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length)
  const functions = new Map<string, number>()
  const areas = new Map<string, number>()
  let idle = 0
  for (const id of profile.samples) {
    const { callFrame: f } = byId.get(id)!
    if (f.functionName === '(idle)') { idle += msPerSample; continue }
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim()
    functions.set(key, (functions.get(key) ?? 0) + msPerSample)
    const a = area(f.url, f.functionName)
    areas.set(a, (areas.get(a) ?? 0) + msPerSample)
  }
  const busy = [...areas.values()].reduce((a, b) => a + b, 0)
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms, pct: 100 * ms / busy }))
  return { busy_ms: busy, idle_ms: idle, top_functions: ranked(functions), areas: ranked(areas) }
}
