import { accessSync, constants, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Where pgbench is: PGBENCH if set, else the first on PATH, else the newest PostgreSQL's own
 * (/usr/lib/postgresql/<version>/bin, where Debian's server package puts it). Undefined when there is none.
 */
export function findPgbench (env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PGBENCH) return env.PGBENCH
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).map(dir => join(dir, 'pgbench'))
  let versions: string[] = []
  try {
    versions = readdirSync('/usr/lib/postgresql').filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  } catch {} // no PostgreSQL installed there
  return [...onPath, ...versions.map(v => `/usr/lib/postgresql/${v}/bin/pgbench`)].find(executable)
}
