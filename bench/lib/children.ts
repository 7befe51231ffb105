// Child processes of the bench (the API, relay, workers, the baseline, pgbench): output to a log file,
// stopped by SIGTERM with a SIGKILL deadline, and killed outright if the bench itself exits.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'

export interface Child {
  name: string
  pid: number
  child: ChildProcess
  logFile: string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after timeoutMs; resolves once it has exited. */
  stop (timeoutMs?: number): Promise<void>
  /** The last lines it wrote, for error messages. */
  tail (lines?: number): Promise<string>
}

export function startChild (name: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv, logFile: string, cwd?: string }): Child {
  const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const log = createWriteStream(opts.logFile, { flags: 'a' })
  child.stdout!.pipe(log, { end: false })
  child.stderr!.pipe(log, { end: false })
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  const exited = new Promise<number | null>(resolve => child.once('close', code => {
    process.off('exit', killOnExit)
    log.end()
    resolve(code)
  }))
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`)

  let stopping: Promise<void> | undefined
  return {
    name,
    pid: child.pid,
    child,
    logFile: opts.logFile,
    exited,
    stop (timeoutMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
    async tail (lines = 30) {
      const text = await readFile(opts.logFile, 'utf8').catch(() => '')
      return text.trimEnd().split('\n').slice(-lines).join('\n')
    }
  }
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr on a non-zero exit. */
export async function runToEnd (command: string, args: string[], opts: { env?: NodeJS.ProcessEnv, onSpawn?: (pid: number) => void } = {}): Promise<string> {
  const child = spawn(command, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  let out = ''
  let err = ''
  child.stdout.on('data', d => { out += d })
  child.stderr.on('data', d => { err += d })
  await once(child, 'spawn')
  opts.onSpawn?.(child.pid!)
  const [code] = await once(child, 'close') as [number | null]
  process.off('exit', killOnExit)
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${err.trim().split('\n').slice(-10).join('\n')}`)
  return out + err
}
