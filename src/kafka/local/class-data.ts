// Class-data sharing for the local broker's JVMs. The classes a broker (or the format tool) loads are saved by the
// first run that exits cleanly, and every later JVM maps them instead of loading and verifying each class again: a
// broker is ready in about two thirds of the time, for a quarter less CPU (BENCHMARKS.md, "The local broker's
// start"). One archive per kind of run, per Java and per set of jars: a JDK upgrade or new jars make a new one. A
// JVM that cannot map its archive says so in its log and starts as it would without.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export type ClassDataKind = 'broker' | 'format'

export interface ClassData {
  /** The JVM's options: map the archive, or write it at exit when there is none yet. */
  args: string[]
  /** Once the JVM has exited with `code`: keeps the archive it wrote, if it exited cleanly. */
  keep (code: number | null): void
}

/** The `java` that spawn('java') runs, resolved through its links (a JDK upgrade changes it or its time). */
function javaBinary (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'java')
    if (dir && existsSync(candidate)) return realpathSync(candidate)
  }
  return undefined
}

/** What an archive is valid for: the JVM, and each jar's name, size and time (which the JVM checks too). */
function fingerprint (libsDir: string): string | undefined {
  const java = javaBinary()
  if (!java) return undefined
  const hash = createHash('sha256').update(`${java} ${statSync(java).mtimeMs}\n`)
  for (const jar of readdirSync(libsDir).filter(f => f.endsWith('.jar')).sort()) {
    const { size, mtimeMs } = statSync(join(libsDir, jar))
    hash.update(`${jar} ${size} ${mtimeMs}\n`)
  }
  return hash.digest('hex').slice(0, 16)
}

/** Whether a JVM of this kind would map an archive (one has exited cleanly since the JDK or the jars changed). */
export function hasClassData (dir: string, kind: ClassDataKind, libsDir: string): boolean {
  const key = fingerprint(libsDir)
  return key !== undefined && existsSync(join(dir, `${kind}-${key}.jsa`))
}

/** The options for one JVM of this kind whose classes come from libsDir; archives are kept in dir. */
export function classData (dir: string, kind: ClassDataKind, libsDir: string): ClassData {
  const key = fingerprint(libsDir)
  if (!key) return { args: [], keep: () => {} }
  const archive = join(dir, `${kind}-${key}.jsa`)
  if (existsSync(archive)) return { args: [`-XX:SharedArchiveFile=${archive}`], keep: () => {} }
  // Written under a name of its own, so that JVMs starting at once never map a half-written archive.
  mkdirSync(dir, { recursive: true })
  const writing = `${archive}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  return {
    // Its warnings (classes it cannot archive: old bytecode, unlinked) are about the archive, not the broker.
    args: [`-XX:ArchiveClassesAtExit=${writing}`, '-Xlog:cds*=off'],
    keep (code) {
      try {
        // Kafka exits 143 after SIGTERM's clean shutdown; killed (null) or failed, its archive may be cut short.
        if ((code === 0 || code === 143) && existsSync(writing) && statSync(writing).size > 0) {
          renameSync(writing, archive)
          for (const old of readdirSync(dir)) {
            if (old.startsWith(`${kind}-`) && old.endsWith('.jsa') && join(dir, old) !== archive) rmSync(join(dir, old), { force: true })
          }
        }
      } catch {} // without an archive, the next JVM starts as before and writes one
      rmSync(writing, { force: true })
    }
  }
}
