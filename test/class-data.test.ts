import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { classData, hasClassData } from '../src/kafka/local/class-data.ts'

// The local broker's class-data archives (src/kafka/local/class-data.ts), with the real JVM and Kafka's own jars: a
// short Kafka tool (StorageTool random-uuid) stands in for the broker, which loads the same way.

const run = promisify(execFile)
const KAFKA_LIBS = resolve(import.meta.dirname, '..', 'kafka', 'libs')

let dir: string
let libs: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostly-class-data-'))
  // The jars, linked into a folder of the test's own so that a jar can be added without touching kafka/libs.
  libs = join(dir, 'libs')
  await mkdir(libs)
  for (const jar of readdirSync(KAFKA_LIBS)) await symlink(join(KAFKA_LIBS, jar), join(libs, jar))
})
after(async () => { await rm(dir, { recursive: true, force: true }) })

const tool = (args: string[]) => run('java', [...args, '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'random-uuid'])
const files = async () => (await readdir(join(dir, 'archives')).catch(() => [])).sort()

test('a clean exit keeps the archive; the next JVM maps it (-Xshare:on fails if it cannot); a killed one keeps nothing', async () => {
  const where = join(dir, 'archives')
  const killed = classData(where, 'format', libs)
  assert.match(killed.args[0], /^-XX:ArchiveClassesAtExit=/)
  await tool(killed.args)
  killed.keep(null) // as if the JVM had been killed while writing
  assert.deepEqual(await files(), [], 'nothing kept, and the partial file removed')
  assert.equal(hasClassData(where, 'format', libs), false)

  const first = classData(where, 'format', libs)
  const written = await tool(first.args)
  assert.doesNotMatch(written.stdout + written.stderr, /\[cds\]/, 'writing the archive adds nothing to the log')
  first.keep(0)
  assert.equal(hasClassData(where, 'format', libs), true)
  assert.equal((await files()).length, 1)

  const second = classData(where, 'format', libs)
  assert.match(second.args[0], /^-XX:SharedArchiveFile=.*format-[0-9a-f]{16}\.jsa$/)
  const { stdout } = await tool([...second.args, '-Xshare:on'])
  assert.match(stdout.trim(), /^[\w-]{22}$/, 'the tool ran from the archive')
})

test('other jars make a new archive, which replaces the old one of its kind', async () => {
  const where = join(dir, 'archives')
  const [old] = await files()
  assert.ok(old, 'the first test left one')
  // One more jar on the class path (a copy of the smallest, under a new name): the old archive does not apply.
  const sizes = await Promise.all(readdirSync(KAFKA_LIBS).map(async jar => ({ jar, size: (await stat(join(KAFKA_LIBS, jar))).size })))
  const smallest = sizes.sort((a, b) => a.size - b.size)[0].jar
  await copyFile(join(KAFKA_LIBS, smallest), join(libs, 'zz-copy.jar'))
  assert.equal(hasClassData(where, 'format', libs), false)

  const next = classData(where, 'format', libs)
  assert.match(next.args[0], /^-XX:ArchiveClassesAtExit=/)
  await tool(next.args)
  next.keep(0)
  const [kept, ...others] = await files()
  assert.deepEqual(others, [], 'one archive of the kind')
  assert.notEqual(kept, old)
  await tool([...classData(where, 'format', libs).args, '-Xshare:on'])
})
