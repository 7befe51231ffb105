// Reading Prometheus's text exposition format, as Prometheus would: one sample per line.

export interface Sample { name: string, labels: Record<string, string>, value: number }

export function parseMetrics (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(m => [m[1], m[2]]))
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return samples
}

export async function scrape (url: string): Promise<{ text: string, samples: Sample[], contentType: string, ms: number }> {
  const started = performance.now()
  const res = await fetch(`${url}/metrics`)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET ${url}/metrics: ${res.status} ${text}`)
  return { text, samples: parseMetrics(text), contentType: res.headers.get('content-type') ?? '', ms: performance.now() - started }
}

/** The samples of the metric whose labels include these. */
export const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))

/** The sum of the matching samples' values (undefined when there are none). */
export function total (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, labels)
  return found.length === 0 ? undefined : found.reduce((n, s) => n + s.value, 0)
}
