import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { ROOT } from './helpers/processes.ts'

// scripts/check-references.ts, the part of npm run lint that catches conflict markers and references to nothing:
// run on a small repository of its own with one fault planted at a time, and on this repository.

const CHECKER = join(ROOT, 'scripts/check-references.ts')
const dirs: string[] = []
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

const check = (folder: string) => spawnSync(process.execPath, [CHECKER, folder], { encoding: 'utf8' })

/** A git repository holding these files: the checker reads the file list as git sees it. */
function repository (files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostly-refs-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  spawnSync('git', ['init', '-q'], { cwd: dir })
  return dir
}

const CLEAN = {
  'README.md': '# Demo\n\nSee [the guide](docs/guide.md#setting-up) and `src/app.ts`; the build goes to web/dist.\n',
  'docs/guide.md': '# Guide\n\n## Setting up\n\nRun [the app](../src/app.ts). Logs: `hostly-<date>.log`.\n',
  'src/app.ts': "// Reads docs/guide.md, as app.ts's neighbour util.ts does; see https://example.com/x/y.ts\nexport const x = 1\n",
  'src/util.ts': '/** The helper of src/app.ts. */\nexport const y = 2\n',
  '.gitignore': 'web/dist/\n'
}

test('a clean repository passes: links, anchors and file names that resolve, placeholders, URLs, ignored paths', () => {
  const res = check(repository(CLEAN))
  assert.equal(res.status, 0, res.stderr)
})

test('each planted fault fails the check, naming the file and line', () => {
  const marker = (c: string) => c.repeat(7)
  const faults: Array<[string, Record<string, string>, RegExp]> = [
    ['a conflict marker', { 'src/util.ts': `${marker('<')} HEAD\nexport const y = 2\n${marker('=')}\nexport const y = 3\n${marker('>')} other\n` },
      /src\/util\.ts:1: merge-conflict marker/],
    ['a dangling Markdown link', { 'README.md': '# Demo\n\nSee [the guide](docs/missing.md).\n' }, /README\.md:3: link to docs\/missing\.md leads nowhere/],
    ['a link to a heading that is not there', { 'README.md': '# Demo\n\n[Guide](docs/guide.md#tearing-down)\n' }, /README\.md:3: #tearing-down is no heading of docs\/guide\.md/],
    ['a comment naming a file that is not there', { 'src/app.ts': '// The contract is in api.md.\nexport const x = 1\n' }, /src\/app\.ts:1: api\.md does not exist/],
    ['a doc naming a path that is not there', { 'docs/guide.md': '# Guide\n\n## Setting up\n\nRead src/old/thing.ts first.\n' }, /docs\/guide\.md:5: src\/old\/thing\.ts does not exist/]
  ]
  for (const [what, planted, expected] of faults) {
    const res = check(repository({ ...CLEAN, ...planted }))
    assert.equal(res.status, 1, `${what}: ${res.stdout}`)
    assert.match(res.stderr, expected, what)
  }
})

test('this repository passes', () => {
  const res = check(ROOT)
  assert.equal(res.status, 0, res.stderr)
})
