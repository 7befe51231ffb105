// The Hostly processes of a chaos run, as production runs them: several replicas of each kind, each started again
// with the same arguments, port and environment after it is killed.
import { join, resolve } from 'node:path'
import { freePort } from '../../src/kafka/local/broker.ts'
import { startChild, type Child } from '../lib/children.ts'

const root = resolve(import.meta.dirname, '../..')

export const KINDS = ['api', 'relay', 'owner', 'traveler', 'email', 'analytics'] as const
export type Kind = typeof KINDS[number]

const ARGS: Record<Kind, string[]> = {
  api: ['api'],
  relay: ['relay'],
  owner: ['worker', 'owner'],
  traveler: ['worker', 'traveler'],
  email: ['worker', 'email'],
  analytics: ['worker', 'analytics']
}

export interface Replica {
  name: string
  kind: Kind
  /** The API's port (kept across restarts, so clients find it again); 0 for the others. */
  port: number
  child: Child
  /** How many times it was started again after a kill. */
  restarts: number
}

export class Fleet {
  readonly replicas: Replica[] = []
  private readonly env: NodeJS.ProcessEnv
  private readonly workDir: string

  constructor (env: NodeJS.ProcessEnv, workDir: string) {
    this.env = env
    this.workDir = workDir
  }

  async add (kind: Kind, count: number) {
    for (let i = 1; i <= count; i++) {
      const name = count === 1 ? kind : `${kind}-${i}`
      const port = kind === 'api' ? await freePort() : 0
      this.replicas.push({ name, kind, port, child: this.launch(name, kind, port), restarts: 0 })
    }
  }

  private launch (name: string, kind: Kind, port: number): Child {
    const env = { ...this.env, ...(port ? { PORT: String(port) } : {}) }
    return startChild(name, process.execPath, ['src/cli.ts', ...ARGS[kind]], { cwd: root, env, logFile: join(this.workDir, `${name}.log`) })
  }

  of (kind: Kind) { return this.replicas.filter(r => r.kind === kind) }

  get apiUrls () { return this.of('api').map(r => `http://127.0.0.1:${r.port}`) }

  /** SIGKILL, then the same process started again once the old one is gone. */
  async killAndRestart (replica: Replica, downMs: number) {
    replica.child.child.kill('SIGKILL')
    await replica.child.exited
    await new Promise(resolve => setTimeout(resolve, downMs))
    replica.child = this.launch(replica.name, replica.kind, replica.port)
    replica.restarts++
  }

  /** SIGSTOP for `ms` (longer than the Kafka session: its group moves on without it), then SIGCONT. */
  async freeze (replica: Replica, ms: number) {
    const { child } = replica.child
    child.kill('SIGSTOP')
    await new Promise(resolve => setTimeout(resolve, ms))
    child.kill('SIGCONT')
  }

  /** Processes that exited without being killed by the harness: a crash. */
  crashed (): Replica[] {
    return this.replicas.filter(r => r.child.child.exitCode !== null)
  }

  async stop () {
    await Promise.all(this.replicas.map(r => { r.child.child.kill('SIGCONT'); return r.child.stop() }))
  }

  /** Resolves once every API answers /healthz; fails at once, with its last lines, if a process exits meanwhile. */
  async untilServing (timeoutMs = 180_000) {
    const deadline = Date.now() + timeoutMs
    for (const api of this.of('api')) {
      const url = `http://127.0.0.1:${api.port}`
      while (!(await fetch(`${url}/healthz`).then(r => r.ok, () => false))) {
        const dead = this.crashed()[0]
        if (dead) throw new Error(`${dead.name} exited with ${dead.child.child.exitCode} while starting:\n${await dead.child.tail()}`)
        if (Date.now() > deadline) throw new Error(`${api.name} did not answer /healthz within ${timeoutMs} ms:\n${await api.child.tail()}`)
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
  }
}
