import assert from 'node:assert/strict'
import { globSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'

// Imports go one way. The layers and the edges between features are declared once, as the two tables of
// docs/architecture.md (Layers), which this file reads: the page and the check cannot drift apart.

const ROOT = resolve(import.meta.dirname, '..')
const PAGE = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8')

/** The rows of the markdown table that follows `heading` (a line of the page), as arrays of cells. */
function tableAfter (heading: string): string[][] {
  const lines = PAGE.slice(PAGE.indexOf(heading)).split('\n')
  const start = lines.findIndex(l => l.startsWith('|'))
  const rows = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.split('|').slice(1, -1).map(c => c.trim()))
  }
  return rows
}
/** The names quoted with backticks in a cell of the table. */
const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1])

const LAYERS = tableAfter('## Layers').map(([layer, , entries]) => ({ layer, entries: names(entries) }))
const FEATURE_EDGES = new Map(tableAfter('A feature imports another only').map(([from, to]) => [names(from)[0], names(to)]))
const layerOf = new Map(LAYERS.flatMap(({ layer, entries }, rank) => entries.map(e => [e, { layer, rank }] as const)))
const ENTRIES = [...layerOf.keys()].sort((a, b) => b.length - a.length)

/** The table's entry a file of src/ belongs to: the longest that names it or a folder above it. */
const entryOf = (file: string) => ENTRIES.find(e => e.endsWith('/') ? file.startsWith(`src/${e}`) : file === `src/${e}`)

const IMPORT = /(?:^(?:import|export)\b[^'"]*?from\s+|^import\s+|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/gm

/** The repository-relative files each .ts file under `dir` imports (relative imports, types and dynamic ones too). */
function imports (dir: string): Array<{ file: string, target: string }> {
  return globSync(`${dir}/**/*.ts`, { cwd: ROOT }).flatMap(file => {
    const source = readFileSync(join(ROOT, file), 'utf8')
    return [...source.matchAll(IMPORT)].map(m => ({ file, target: relative(ROOT, resolve(ROOT, dirname(file), m[1])) }))
  })
}
const SRC = imports('src').filter(i => i.target.startsWith('src/'))

/** Every cycle of a graph, one per strongly connected component of more than one node (Tarjan). */
function cycles (edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component = stack.splice(stack.indexOf(v))
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}
const graph = (pairs: Array<[string, string]>) => {
  const edges = new Map<string, Set<string>>()
  for (const [a, b] of pairs) if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b))
  return edges
}

test('the layer table of docs/architecture.md is read: four layers, and edges between features', () => {
  assert.deepEqual(LAYERS.map(l => l.layer), ['base', 'infrastructure', 'feature', 'assembly'])
  assert.ok(layerOf.get('db/')?.layer === 'infrastructure' && layerOf.get('bookings/')?.layer === 'feature')
  assert.ok(FEATURE_EDGES.size > 3)
  for (const [from, to] of FEATURE_EDGES) {
    for (const name of [from, ...to]) assert.equal(layerOf.get(name)?.layer, 'feature', `${name} in the edges is a feature of the table`)
  }
})

test('every .ts file of src/ is classified by the layer table', () => {
  const files = globSync('src/**/*.ts', { cwd: ROOT })
  assert.ok(files.length > 50)
  assert.deepEqual(files.filter(f => entryOf(f) === undefined), [], 'add the folder or file to the table in docs/architecture.md (Layers)')
})

test('no import cycle in src/, between files or between the entries of the table', () => {
  assert.ok(SRC.some(i => i.target === 'src/db/pool.ts'), 'the imports were found')
  assert.deepEqual(cycles(graph(SRC.map(i => [i.file, i.target]))), [], 'files')
  assert.deepEqual(cycles(graph(SRC.map(i => [entryOf(i.file)!, entryOf(i.target)!]))), [], 'entries of the table')
})

test('imports go down the layers; a feature imports another feature only along a declared edge', () => {
  const wrong = SRC.flatMap(({ file, target }) => {
    const from = entryOf(file)!
    const to = entryOf(target)!
    if (from === to) return []
    const a = layerOf.get(from)!
    const b = layerOf.get(to)!
    if (b.rank > a.rank) return [`${file} → ${target}: ${a.layer} imports ${b.layer}`]
    if (a.layer === 'feature' && b.layer === 'feature' && !FEATURE_EDGES.get(from)?.includes(to)) {
      return [`${file} → ${target}: the feature ${from} imports ${to}, an edge the table does not list`]
    }
    return []
  })
  assert.deepEqual(wrong, [])
})

test('bench/ and support/ import nothing from test/', () => {
  const all = [...imports('bench'), ...imports('support')]
  assert.ok(all.length > 10, 'the imports were found')
  assert.deepEqual(all.filter(i => i.target.startsWith('test/')), [])
})

test('no SQL file names a topic: the names are passed from bookings/events.ts', () => {
  const files = globSync('src/**/*.sql', { cwd: ROOT })
  assert.ok(files.includes('src/bookings/booking.sql'))
  const named = files.flatMap(file => Object.values(TOPICS)
    .filter(topic => readFileSync(join(ROOT, file), 'utf8').includes(`'${topic}'`)).map(topic => `${file}: ${topic}`))
  assert.deepEqual(named, [])
})
