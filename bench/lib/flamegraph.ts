// A flame graph of a V8 .cpuprofile (node --cpu-prof) as a self-contained SVG: each box a function in its callers'
// stack, as wide as the share of busy time spent in it and in what it called; drawn from the top (an icicle), so the
// entry points read first. Identical stacks are merged; idle time, boxes under 0.2 % and frames deeper than 48 are
// left out. Hovering a box shows its name, place and share.
import { readFile, writeFile } from 'node:fs/promises'
import { shortUrl, type CallFrame, type Profile } from './profile.ts'

interface Frame { name: string, where: string, kind: Kind, us: number, children: Map<string, Frame> }
type Kind = 'src' | 'package' | 'node' | 'vm'

const WIDTH = 1200
const ROW = 17
const MIN_SHARE = 0.002
const MAX_DEPTH = 48
const COLORS: Record<Kind, [number, number]> = { src: [25, 80], package: [200, 55], node: [120, 40], vm: [0, 0] }
const LEGEND: Record<Kind, string> = { src: 'Hostly (src/)', package: 'a package', node: 'Node', vm: 'V8: GC, compiler, native' }

function kindOf (f: CallFrame): Kind {
  if (/\/node_modules\//.test(f.url)) return 'package'
  if (/\/(src|bench|support)\//.test(f.url)) return 'src'
  if (f.url.startsWith('node:')) return 'node'
  return 'vm'
}

const whereOf = (f: CallFrame) => f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''

/** Busy time per stack, merged into one tree whose root is the whole process. */
function callTree (profile: Profile): Frame {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parentOf = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
  const root: Frame = { name: 'all', where: '', kind: 'vm', us: 0, children: new Map() }
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0 // the time until the next sample is this sample's
    const node = byId.get(id)!
    if (node.callFrame.functionName === '(idle)' || us <= 0) return
    const stack: CallFrame[] = []
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const f = byId.get(at)!.callFrame
      if (f.functionName !== '(root)') stack.unshift(f)
    }
    root.us += us
    let frame = root
    for (const f of stack) {
      const name = f.functionName || '(anonymous)'
      const where = whereOf(f)
      const key = `${name} ${where}`
      let child = frame.children.get(key)
      if (!child) frame.children.set(key, child = { name, where, kind: kindOf(f), us: 0, children: new Map() })
      child.us += us
      frame = child
    }
  })
  return root
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A stable colour per function within its kind's hue, so neighbours differ. */
function color (frame: Frame): string {
  const [hue, saturation] = COLORS[frame.kind]
  let h = 0
  for (const c of frame.name) h = (h * 31 + c.charCodeAt(0)) % 997
  return `hsl(${hue + (h % 20) - 10} ${saturation}% ${62 + (h % 16)}%)`
}

export function flameGraphSvg (profile: Profile, title: string): string {
  const root = callTree(profile)
  const boxes: string[] = []
  let depth = 0
  const place = (frame: Frame, x: number, level: number) => {
    if (frame.us / root.us < MIN_SHARE || level > MAX_DEPTH) return
    depth = Math.max(depth, level)
    const w = (frame.us / root.us) * WIDTH
    const share = (100 * frame.us / root.us).toFixed(1)
    const label = w > 40 ? escape(frame.name).slice(0, Math.floor(w / 7)) : ''
    boxes.push(`<g transform="translate(${x.toFixed(2)} ${level * ROW})"><title>${escape(frame.name)} ${escape(frame.where)} — ${share} %</title>` +
      `<rect width="${Math.max(0.5, w - 0.5).toFixed(2)}" height="${ROW - 1}" fill="${level === 0 ? '#ddd' : color(frame)}"/>` +
      (label ? `<text x="3" y="12">${label}</text>` : '') + '</g>')
    let at = x
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(child, at, level + 1)
      at += (child.us / root.us) * WIDTH
    }
  }
  place(root, 0, 0)
  const top = 60
  const height = top + (depth + 1) * ROW + 10
  const legend = (Object.keys(LEGEND) as Kind[]).map((kind, i) =>
    `<rect x="${i * 200}" y="40" width="12" height="12" fill="hsl(${COLORS[kind][0]} ${COLORS[kind][1]}% 68%)"/>` +
    `<text x="${i * 200 + 17}" y="50">${LEGEND[kind]}</text>`).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n<text x="0" y="16" font-size="14">${escape(title)}</text>\n` +
    `<text x="0" y="32">${(root.us / 1000).toFixed(0)} ms busy; each box's width is its share of that, with what it called; boxes under ${MIN_SHARE * 100} % left out</text>\n` +
    `<g transform="translate(0 ${top})">\n${boxes.join('\n')}\n</g>\n${legend}\n</svg>\n`
}

export async function writeFlameGraph (cpuprofile: string, svg: string, title: string): Promise<void> {
  await writeFile(svg, flameGraphSvg(JSON.parse(await readFile(cpuprofile, 'utf8')) as Profile, title))
}
