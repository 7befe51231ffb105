// The chaos run as a picture (SVG, no library): bookings created per second, the p99 of every answer, and the
// p99 of the delay from a booking's commit to its owner's notification, over time, each fault a marked line.
import { percentile } from '../lib/stats.ts'
import type { Landed } from './faults.ts'
import type { Answer } from './load.ts'

export interface Series { t: number[], created: number[], answerP99: number[], notifyP99: number[] }

const BUCKET_MS = 5000

/** Per 5-second bucket: 201s per second, the answers' p99 (ms), the notification delay's p99 (ms; by commit time). */
export function series (answers: Answer[], delays: { at: number, ms: number }[], durationMs: number): Series {
  const n = Math.ceil(durationMs / BUCKET_MS)
  const buckets = Array.from({ length: n }, () => ({ created: 0, answers: [] as number[], delays: [] as number[] }))
  const at = (ms: number) => buckets[Math.min(n - 1, Math.max(0, Math.floor(ms / BUCKET_MS)))]
  for (const a of answers) {
    if (a.what === 'request' && a.status === 201) at(a.at).created++
    if (!a.error) at(a.at).answers.push(a.ms)
  }
  for (const d of delays) at(d.at).delays.push(d.ms)
  const p99 = (values: number[]) => values.length ? percentile(values.sort((x, y) => x - y), 99) : 0
  return {
    t: buckets.map((_, i) => (i * BUCKET_MS) / 1000),
    created: buckets.map(b => b.created / (BUCKET_MS / 1000)),
    answerP99: buckets.map(b => p99(b.answers)),
    notifyP99: buckets.map(b => p99(b.delays))
  }
}

const W = 960
const PANEL = 150
const LEFT = 70
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
/** A fault kind's family: kill, freeze, kafka, pg or smtp (the part before the colon). */
const family = (kind: string) => kind.split(':')[0]
const COLOURS: Record<string, string> = { kill: '#d62728', freeze: '#1f77b4', kafka: '#ff7f0e', pg: '#2ca02c', smtp: '#9467bd' }
const familyColour = (kind: string) => COLOURS[family(kind)] ?? '#999'

export function picture (s: Series, faults: Landed[], title: string): string {
  const end = Math.max(1, s.t.at(-1) ?? 1)
  const x = (sec: number) => LEFT + (sec / end) * (W - LEFT - 20)
  const panels: Array<[string, number[], string]> = [
    ['bookings created per second', s.created, '#2a6f97'],
    ['p99 of the answers (ms)', s.answerP99, '#c44536'],
    ['p99 commit → owner notified (ms)', s.notifyP99, '#6a4c93']
  ]
  const top = 60
  const parts: string[] = [`<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`]
  panels.forEach(([label, values, color], i) => {
    const y0 = top + i * (PANEL + 40)
    const max = Math.max(1, ...values)
    const y = (v: number) => y0 + PANEL - (v / max) * PANEL
    const points = values.map((v, j) => `${x(s.t[j]).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
    parts.push(
      `<text x="${LEFT}" y="${y0 - 8}" font-size="12">${esc(label)}; top of the scale ${Math.round(max)}</text>`,
      `<rect x="${LEFT}" y="${y0}" width="${W - LEFT - 20}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`
    )
  })
  const bottom = top + panels.length * (PANEL + 40) - 40
  // Each fault a line in its family's colour (a legend below); its kind written under it only while they fit
  // (a 30-minute run lands 90), and always in the line's tooltip.
  const labelled = faults.length <= 24
  faults.forEach((f, i) => {
    const fx = x(f.at / 1000).toFixed(1)
    parts.push(`<line x1="${fx}" y1="${top}" x2="${fx}" y2="${bottom}" stroke="${familyColour(f.kind)}" stroke-dasharray="3,3"><title>${esc(f.kind)} at ${Math.round(f.at / 1000)} s</title></line>`)
    if (labelled) parts.push(`<text x="${fx}" y="${bottom + 14 + (i % 4) * 11}" font-size="9" text-anchor="middle">${esc(f.kind)}</text>`)
  })
  const families = [...new Set(faults.map(f => family(f.kind)))]
  families.forEach((name, i) => {
    const lx = LEFT + i * 120
    parts.push(`<line x1="${lx}" y1="${bottom + 84}" x2="${lx + 18}" y2="${bottom + 84}" stroke="${familyColour(name)}" stroke-width="2" stroke-dasharray="3,3"/>`,
      `<text x="${lx + 24}" y="${bottom + 88}" font-size="11">${esc(name)} (${faults.filter(f => family(f.kind) === name).length})</text>`)
  })
  for (let sec = 0; sec <= end; sec += Math.max(10, Math.round(end / 10 / 10) * 10)) {
    parts.push(`<text x="${x(sec).toFixed(1)}" y="${bottom + 62}" font-size="10" text-anchor="middle">${sec} s</text>`)
  }
  const height = bottom + 100
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${parts.join('\n')}
</svg>
`
}
