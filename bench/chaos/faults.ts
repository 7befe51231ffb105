// The faults of a chaos run and their schedule. Each kind is landed the given number of times, at seeded times
// spread over the run, so that they overlap as production's do; faults on one shared piece (the Kafka cluster, the
// PostgreSQL server) wait for each other, so the cluster never loses two nodes at once.
import pg from 'pg'
import { activeController, partitionLeaders, type FreshCluster } from '../../support/cluster.ts'
import type { PostgresServer } from '../../support/postgres-server.ts'
import { KINDS, type Fleet } from './fleet.ts'
import type { SmtpSink } from '../../support/smtp.ts'

export const FAULT_KINDS = [
  ...KINDS.map(k => `kill:${k}` as const),
  ...KINDS.map(k => `freeze:${k}` as const),
  'kafka:leader', 'kafka:controller',
  'pg:terminate', 'pg:restart',
  'smtp:refuse', 'smtp:gone'
] as const
export type FaultKind = typeof FAULT_KINDS[number]

export interface Landed { kind: FaultKind, at: number, ms: number, detail: string, error?: string }

export interface Targets { fleet: Fleet, cluster: FreshCluster, postgres: PostgresServer, smtp: SmtpSink, topic: string, sessionTimeoutMs: number }

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** The kinds asked for: `all`, or a comma-separated list of kinds and families (`kill`, `kafka`, `freeze:email`…). */
export function chosenKinds (spec: string): FaultKind[] {
  if (spec === 'all') return [...FAULT_KINDS]
  const wanted = spec.split(',').map(s => s.trim()).filter(Boolean)
  const kinds = FAULT_KINDS.filter(k => wanted.some(w => k === w || k.startsWith(`${w}:`)))
  const unknown = wanted.filter(w => !FAULT_KINDS.some(k => k === w || k.startsWith(`${w}:`)))
  if (unknown.length > 0) throw new Error(`unknown fault kinds: ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')})`)
  return kinds
}

/** Each kind `times` times, shuffled, at even steps from `fromMs` to `toMs` with a little jitter. */
export function schedule (kinds: FaultKind[], times: number, fromMs: number, toMs: number, random: () => number) {
  const list = Array.from({ length: times }, () => kinds).flat()
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[list[i], list[j]] = [list[j], list[i]]
  }
  const step = (toMs - fromMs) / Math.max(1, list.length)
  return list.map((kind, i) => ({ kind, at: Math.round(fromMs + i * step + random() * step * 0.5) }))
}

/** One piece at a time: a fault on the cluster waits for the one before it to be over. */
class Lane {
  private tail: Promise<unknown> = Promise.resolve()
  run<T> (work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work)
    this.tail = next.catch(() => {})
    return next
  }
}

export class Faults {
  readonly landed: Landed[] = []
  private readonly t: Targets
  private readonly random: () => number
  private readonly began: number
  private readonly lanes = { kafka: new Lane(), pg: new Lane(), smtp: new Lane() }
  private readonly running = new Set<Promise<void>>()

  constructor (targets: Targets, random: () => number, began: number) {
    this.t = targets
    this.random = random
    this.began = began
  }

  /** Lands each planned fault at its time; resolves once every one is over (its piece back). */
  async play (plan: { kind: FaultKind, at: number }[], stopped: () => boolean) {
    for (const { kind, at } of plan) {
      const wait = this.began + at - Date.now()
      if (wait > 0) await sleep(wait)
      if (stopped()) break
      const p = this.land(kind)
      this.running.add(p)
      void p.finally(() => this.running.delete(p))
    }
    await Promise.all([...this.running])
  }

  private async land (kind: FaultKind) {
    const at = Date.now()
    const entry: Landed = { kind, at: at - this.began, ms: 0, detail: '' }
    this.landed.push(entry)
    try {
      entry.detail = await this.do(kind)
    } catch (err) {
      entry.error = (err as Error).message
    }
    entry.ms = Date.now() - at
  }

  private async do (kind: FaultKind): Promise<string> {
    const { fleet, cluster, postgres, smtp, topic, sessionTimeoutMs } = this.t
    const [family, what] = kind.split(':')
    if (family === 'kill' || family === 'freeze') {
      const replicas = fleet.of(what as typeof KINDS[number])
      const victim = replicas[Math.floor(this.random() * replicas.length)]
      if (family === 'kill') await fleet.killAndRestart(victim, 1000)
      else await fleet.freeze(victim, sessionTimeoutMs + 4000)
      return victim.name
    }
    if (family === 'kafka') {
      return this.lanes.kafka.run(async () => {
        const brokers = cluster.brokers.split(',')
        const id = what === 'leader' ? (await partitionLeaders(brokers, topic))[0] : await activeController(brokers)
        const node = cluster.nodes.find(n => n.id === id)!
        await node.kill('SIGKILL')
        await sleep(8000)
        await node.start()
        return `node ${id}`
      })
    }
    if (family === 'pg') {
      return this.lanes.pg.run(async () => {
        if (what === 'restart') { await postgres.restart(); return 'pg_ctl restart -m fast' }
        return `${await terminateBackends(postgres.url('postgres'), 3000)} backends terminated`
      })
    }
    return this.lanes.smtp.run(async () => {
      if (what === 'refuse') {
        smtp.refuse()
        await sleep(10_000)
        smtp.accept()
        return '451 for 10 s'
      }
      await smtp.stop()
      await sleep(10_000)
      await smtp.start()
      return 'off its port for 10 s'
    })
  }
}

/** Every backend of the `hostly` database terminated every 10–20 ms for `ms`, from the `postgres` database. */
async function terminateBackends (adminUrl: string, ms: number): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  let terminated = 0
  try {
    const until = Date.now() + ms
    while (Date.now() < until) {
      const { rows } = await admin.query<{ n: number }>(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
                                                           FROM pg_stat_activity WHERE datname = 'hostly'`)
      terminated += rows[0].n
      await sleep(10 + Math.random() * 10)
    }
  } finally {
    await admin.end()
  }
  return terminated
}
