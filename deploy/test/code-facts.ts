// What the manifests are checked against, read from the code at test time (not copied), so the checks follow
// the code after a merge: the variables the configuration reads, the hostly commands, the HTTP routes, the
// shutdown deadline, the partition count, the topics and the consumer groups.
import { execFileSync } from 'node:child_process'
import { existsSync, globSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '../..')
const read = (file: string) => readFileSync(join(root, file), 'utf8')

/** Every variable name src/config.ts (or a folder of that name, should it be split) reads: env.X, env['X'], and the names passed to its helpers. */
export function configVariables (): Set<string> {
  const files = [...(existsSync(join(root, 'src/config.ts')) ? ['src/config.ts'] : []), ...globSync('src/config/**/*.ts', { cwd: root })]
  const names = new Set<string>()
  for (const text of files.map(read)) {
    for (const m of text.matchAll(/env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) names.add(m[1] ?? m[2])
    for (const m of text.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)) names.add(m[1])
  }
  return names
}

/** Variables Node.js itself reads, not Hostly's configuration (the API's young-generation limit is one). */
export const NODE_VARIABLES = new Set(['NODE_OPTIONS'])

/** Variables the manifests set for work of other issues, allowed while src/config.ts does not read them yet. */
export const PENDING_VARIABLES: Record<string, string> = {
  KAFKA_SASL_MECHANISM: 'issue 8 (broker authentication)',
  KAFKA_SASL_USERNAME: 'issue 8 (broker authentication)',
  KAFKA_SASL_PASSWORD: 'issue 8 (broker authentication)',
  SMTP_URL: 'issue 9 (e-mail worker)',
  MAIL_FROM: 'issue 9 (e-mail worker)',
  APP_URL: 'issue 9 (e-mail worker)'
}
export const PENDING_WORKERS: Record<string, string> = { email: 'issue 9 (hostly worker email)' }

const hostly = (args: string[]) => execFileSync(process.execPath, [join(root, 'src/cli.ts'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } })

/** The hostly commands (first word of each line of `hostly --help`) and the worker names (`hostly worker --help`). */
export function hostlyCommands (): { commands: Set<string>, workers: Set<string> } {
  const commands = new Set([...hostly(['--help']).matchAll(/^ {2}hostly ([a-z]+)/gm)].map(m => m[1]))
  const usage = /hostly worker <([^>]+)>/.exec(hostly(['worker', '--help']))
  return { commands, workers: new Set(usage ? usage[1].split('|') : []) }
}

/** GET routes the HTTP assembly registers outside the features (the probes live there). */
export function operationPaths (): Set<string> {
  const paths = new Set<string>()
  for (const file of globSync('src/http/**/*.ts', { cwd: root })) {
    for (const m of read(file).matchAll(/app\.get\('([^']+)'/g)) paths.add(m[1])
  }
  return paths
}

/** Seconds a process takes at most to stop after SIGTERM (its own deadline in src/commands/serve.ts). */
export function shutdownDeadlineSeconds (): number {
  const m = /shutdown took over (\d+) s/.exec(read('src/commands/serve.ts'))
  if (!m) throw new Error('shutdown deadline not found in src/commands/serve.ts')
  return Number(m[1])
}
