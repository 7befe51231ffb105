// npm run lint, beside ESLint: fails on what a reader of the repository would trip over and no linter sees.
//   - merge-conflict markers left in any file;
//   - a relative link in a Markdown file, or its #anchor, that leads nowhere;
//   - a file named in a doc or in a code comment (src/<x>.ts, docs/<y>.md, booking.sql) that does not exist.
// A name resolves from the repository's root, from the file's folder, or as the tail of a path the repository
// has (`bookings/events.ts`); git-ignored paths (web/dist, node_modules/…) and files made from a committed
// `<name>.example` count as there. Placeholders (<name>, *, NNN) and URLs are not names.
// `node scripts/check-references.ts [folder]` checks another folder.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, normalize } from 'node:path'
import ts from 'typescript'

const root = process.argv[2] ?? process.cwd()
/** Generated or copied from elsewhere: not ours to word. */
const SKIP = [/^web\/src\/api\/openapi\.d\.ts$/, /^deploy\/strimzi-crds\//, /^package-lock\.json$/, /\.(png|jpe?g|ico|woff2?)$/]

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
const all = git('ls-files', '--cached', '--others', '--exclude-standard').split('\n').filter(f => f && existsSync(join(root, f)))
const files = all.filter(f => !SKIP.some(r => r.test(f)))

/** Files of other projects that the docs name: Apache Kafka's tools (kafka-topics.sh…), and the original Hostly's. */
const elsewhere = (name: string) => /^kafka-[\w-]+\.sh$/.test(name) ||
  ['kafka.service.js', 'booking-consumer.service.js', 'k8s/zookeeper-deployment.yaml'].includes(name)

/** Every file and folder path of the repository, and each of their tails, for names given without their folders. */
const tails = new Set<string>()
for (const f of all.flatMap(f => f.endsWith('.example') ? [f, f.slice(0, -'.example'.length)] : [f])) {
  const parts = f.split('/')
  for (let end = parts.length; end > 0; end--) {
    for (let start = 0; start < end; start++) tails.add(parts.slice(start, end).join('/'))
  }
}

const problems: string[] = []
const report = (file: string, line: number, what: string) => problems.push(`${file}:${line}: ${what}`)
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length

// Built from pieces so that this file holds no marker itself.
const MARKER = new RegExp(`^(${['<', '\\|', '>'].map(c => `${c}{7}`).join('|')})( |$)`)

/** GitHub's anchor of each heading of a Markdown file. */
function anchors (mdFile: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const m of readFileSync(mdFile, 'utf8').replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return out
}

const ignored = (path: string) => !/^(\.\.|-)/.test(path) && [path, `${path}/`].some(p => {
  try {
    git('check-ignore', '-q', '--no-index', p)
    return true
  } catch {
    return false
  }
})

/** Where a name points, when it points somewhere: its path from the root, or '' for a tail of a known path. */
function resolve (from: string, name: string): string | undefined {
  const clean = name.replace(/\/$/, '')
  for (const candidate of [normalize(join(dirname(from), clean)), normalize(clean)]) {
    if (!candidate.startsWith('..') && existsSync(join(root, candidate))) return candidate
  }
  const tail = clean.replace(/^(\.\.?\/)+/, '')
  if (tails.has(tail) || elsewhere(tail)) return ''
  return ignored(clean) ? '' : undefined
}

function checkAnchor (file: string, line: number, target: string, anchor: string) {
  if (extname(target) !== '.md' || !statSync(join(root, target)).isFile()) return
  if (!anchors(join(root, target)).has(anchor.toLowerCase())) report(file, line, `#${anchor} is no heading of ${target}`)
}

// A file name: folders, a name and a known extension; or a path under a top-level folder of ours.
const EXTENSIONS = 'tsx?|m?js|cjs|md|sql|ya?ml|json|sh|txt|html|css|py|xml|env|example'
const NAME = new RegExp(`(?<![\\w@/.$-])((?:\\.{1,2}/)*(?:[\\w.-]+/)*[\\w-][\\w.-]*\\.(?:${EXTENSIONS})|(?:src|docs|test|bench|scripts|deploy|web|kafka|support|bin|\\.ci)/[\\w./-]*[\\w/])(#[\\w-]+)?(?![\\w/-]|\\.\\w)`, 'g')
/** URLs, and words holding a placeholder (bench/results/<timestamp>.json, secrets/*.env, NNN_name.sql). */
const NOT_NAMES = /\b[a-z][\w+.-]*:\/\/\S+|[^\s`'"(]*(?:<[^>\s]*>|\*|NNN|\$\{|…)[^\s`'")]*/gi

/** Checks every file name in a stretch of text (a comment, or a document's prose) that starts at `offset`. */
function checkNames (file: string, text: string, offset: number, whole: string) {
  const blanked = text.replace(NOT_NAMES, s => ' '.repeat(s.length))
  for (const m of blanked.matchAll(NAME)) {
    const [, name, hash] = m
    // A product, not a file: Node.js, and names such as Vite.js.
    if (!name.includes('/') && /^[A-Z]\w*\.js$/.test(name)) continue
    const line = lineAt(whole, offset + m.index)
    const target = resolve(file, name)
    if (target === undefined) report(file, line, `${name} does not exist`)
    else if (hash && target) checkAnchor(file, line, target, hash.slice(1))
  }
}

function checkMarkdown (file: string, text: string) {
  // Links: [text](target) and [label]: target.
  const links = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\s*\[[^\]]+\]:\s+(\S+)/gm
  for (const m of text.matchAll(links)) {
    const target = m[1] ?? m[2]
    if (/^[a-z][\w+.-]*:/i.test(target)) continue
    const line = lineAt(text, m.index)
    const [path, anchor] = target.split('#')
    const resolved = path === '' ? file : resolve(file, path)
    if (resolved === undefined || (path !== '' && !existsSync(join(root, normalize(join(dirname(file), path)))))) {
      report(file, line, `link to ${target} leads nowhere`)
    } else if (anchor) checkAnchor(file, line, resolved, anchor)
  }
  checkNames(file, text.replace(/\]\([^)\s]+\)/g, s => ' '.repeat(s.length)), 0, text)
}

/** The comments of a TypeScript or JavaScript file, with their offsets. */
function scriptComments (file: string, text: string): Array<[string, number]> {
  const variant = file.endsWith('x') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, variant, text)
  const out: Array<[string, number]> = []
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) {
      out.push([scanner.getTokenText(), scanner.getTokenStart()])
    }
  }
  return out
}

/** Comments of other languages: from a marker to the end of its line (a marker inside a word does not count). */
function lineComments (text: string, marker: string): Array<[string, number]> {
  const re = new RegExp(`(^|\\s)${marker}.*$`, 'gm')
  return [...text.matchAll(re)].map(m => [m[0], m.index])
}

function commentsOf (file: string, text: string): Array<[string, number]> {
  if (/\.(ts|tsx|js|mjs|cjs)$/.test(file)) return scriptComments(file, text)
  if (file.endsWith('.sql')) return lineComments(text, '--')
  if (/\.(css)$/.test(file)) return [...text.matchAll(/\/\*[\s\S]*?\*\//g)].map(m => [m[0], m.index])
  if (/\.html$/.test(file)) return [...text.matchAll(/<!--[\s\S]*?-->/g)].map(m => [m[0], m.index])
  if (/\.(sh|ya?ml|env|example|py|toml|conf)$|(^|\/)(Containerfile|run|entrypoint|\.gitignore|\.dockerignore)$/.test(file)) return lineComments(text, '#')
  return []
}

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8')
  text.split('\n').forEach((l, i) => { if (MARKER.test(l)) report(file, i + 1, `merge-conflict marker ${l.slice(0, 7)}`) })
  if (file.endsWith('.md')) checkMarkdown(file, text)
  else for (const [comment, offset] of commentsOf(file, text)) checkNames(file, comment, offset, text)
}

if (problems.length > 0) {
  console.error(`check-references: ${problems.length} problem(s)\n${problems.join('\n')}`)
  process.exit(1)
}
console.log(`check-references: ${files.length} files, no conflict marker, every link and file name leads somewhere`)
