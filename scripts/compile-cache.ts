// Fills Node's compile cache (the folder NODE_COMPILE_CACHE names) with every module of Hostly's processes, their
// types stripped and their code compiled, so that a process started later with the same folder, user and Node flags
// loads them from it: it starts with less CPU, and it never loads Node's TypeScript stripper (a WebAssembly module
// of about 18 MiB that a process holds until it exits). The image runs it at build time (deploy/Containerfile) and
// the bench before it starts Hostly (bench/lib/servers.ts), so both run Hostly as deployed.
//   NODE_COMPILE_CACHE=<dir> node [flags] scripts/compile-cache.ts [checkout]   (default: this one)
// Node keys the cache by its version, the user's id and the V8 flags that change compiled code (--expose-gc does,
// heap sizes such as --max-semi-space-size do not): run it as the user the processes run as, with their flags.
import { readdirSync } from 'node:fs'
import { flushCompileCache, getCompileCacheDir } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const src = join(process.argv[2] ? resolve(process.argv[2]) : join(import.meta.dirname, '..'), 'src')
// Entry points whose import runs them: the command line, and the password checker's worker thread (a thread of
// its own, loaded by the API on the first password it checks).
const ENTRIES = new Set(['cli.ts', join('auth', 'password-strength-worker.ts')])

if (!getCompileCacheDir()) {
  console.error('compile-cache: NODE_COMPILE_CACHE is not set (or its folder cannot be made): nothing to fill')
  process.exit(1)
}
const modules = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter(f => f.endsWith('.ts') && !ENTRIES.has(f))
  .sort()
for (const file of modules) await import(pathToFileURL(join(src, file)).href)
flushCompileCache()
console.log(`compile-cache: ${modules.length} modules of ${relative(process.cwd(), src) || '.'} in ${getCompileCacheDir()}`)
process.exit(0) // a module may have started a timer (a metrics registry's); nothing here is to wait for
