// CPU time and memory of the processes taking part, sampled from /proc during a measured window.
// CPU is reported as % of one core (the machine has nproc × 100 %); memory as MiB.
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_S = 100 // CLK_TCK on Linux x86_64 and arm64
const SAMPLE_MS = 200

/** utime + stime of a process in seconds, or undefined once it is gone. */
function cpuSeconds (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields[0] is field 3 (state)
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
  } catch {
    return undefined
  }
}

/** A line of /proc/<pid>/status in MiB (VmRSS, VmHWM), or undefined once it is gone. */
export function statusMb (pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * CPU seconds of the whole machine since boot: busy (not idle, not iowait), and the part of it spent in
 * interrupts (mostly loopback TCP's softirq), which /proc/<pid>/stat charges to no process.
 */
function machineSeconds (): { busy: number, interrupts: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = ticks
  return { busy: (user + nice + system + irq + softirq + steal) / TICKS_PER_S, interrupts: (irq + softirq) / TICKS_PER_S }
}

/** Pids whose command name (/proc/<pid>/comm) is one of the given ones, e.g. every postgres process. */
function pidsByComm (names: Set<string>): Map<number, string> {
  const found = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
      if (names.has(comm)) found.set(Number(entry), comm)
    } catch { /* gone meanwhile */ }
  }
  return found
}

/**
 * The database a postgres process serves, from its title ("postgres: 15/main: <user> <db> <host>(<port>) <activity>",
 * "postgres: 15/main: autovacuum worker <db>"), null for the server's shared processes (WAL writer,
 * checkpointer …), undefined while it cannot tell (the postmaster, a backend not yet named: left out).
 */
function postgresDatabase (pid: number): string | null | undefined {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
    // The postmaster, or a backend just forked that has not named its database yet: not classified (yet).
    if (!title.startsWith('postgres: ')) return undefined
    const m = /^postgres: [^:]+: (?:autovacuum worker (\S+)|\S+ (\S+) (?:\S+\(\d+\)|\[local\]))/.exec(title)
    return m ? (m[1] ?? m[2]) : null
  } catch {
    return undefined
  }
}

/** CPU seconds and a short name of every process on the machine. */
function allProcesses (): Map<number, { cpu: number, name: string }> {
  const all = new Map<number, { cpu: number, name: string }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const cpu = cpuSeconds(Number(entry))
    if (cpu === undefined) continue
    let name = ''
    try { name = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 80) } catch { /* gone */ }
    if (!name) try { name = `[${readFileSync(`/proc/${entry}/comm`, 'utf8').trim()}]` } catch { /* gone */ }
    all.set(Number(entry), { cpu, name })
  }
  return all
}

export interface Usage {
  seconds: number
  /**
   * % of one core per process name, plus "machine" (all CPUs busy), "interrupts" (softirq and irq: loopback
   * networking, charged to no process) and "other" (the machine less the named and interrupts: other work).
   */
  cpu: Record<string, number>
  /** Highest VmRSS sampled per named pid, MiB. */
  rssMaxMb: Record<string, number>
  /** The processes outside the bench that used the most CPU in the window (% of one core), when any used much. */
  others: { name: string, cpu: number }[]
}

/**
 * Knows the bench's processes by name (pids registered as they start) and, by command name, the ones
 * that come and go (postgres backends of the bench's databases and the server's shared processes, pgbench). A window samples them every 200 ms, so a process that
 * exits during it keeps the CPU time of its last sample (at most 200 ms lost).
 */
export class Monitor {
  private readonly named = new Map<number, string>()
  private readonly databases = new Set<string>()
  /** pid -> "postgres" when it serves the bench (or everyone), null when it serves another database. */
  private readonly postgres = new Map<number, string | null>()

  track (name: string, pid: number) { this.named.set(pid, name) }
  /** Backends of these databases count as "postgres"; those of other databases (other work on the machine) as "other". */
  trackDatabase (name: string) { this.databases.add(name) }

  private dynamicPids (): Map<number, string> {
    const pids = new Map<number, string>()
    for (const [pid, comm] of pidsByComm(new Set(['postgres', 'pgbench']))) {
      if (comm === 'pgbench') { pids.set(pid, 'pgbench'); continue }
      if (!this.postgres.has(pid)) {
        const db = postgresDatabase(pid)
        if (db === undefined) continue
        this.postgres.set(pid, db === null || this.databases.has(db) ? 'postgres' : null)
      }
      const name = this.postgres.get(pid)
      if (name) pids.set(pid, name)
    }
    return pids
  }

  /** What other work on the machine took during the windows, where it took much (> 15 % of a core). */
  readonly warnings: string[] = []

  window (label = 'a window'): { stop (): Usage } {
    const warnings = this.warnings
    const first = new Map<number, number>() // pid -> cpu seconds at its first sample
    const last = new Map<number, { name: string, cpu: number }>()
    const rss = new Map<string, number>()
    const started = performance.now()
    const machineStart = machineSeconds()
    const everyoneStart = allProcesses()
    const sample = (initial: boolean) => {
      const pids = new Map([...this.named, ...this.dynamicPids()])
      for (const [pid, name] of pids) {
        const cpu = cpuSeconds(pid)
        if (cpu === undefined) continue
        // A process first seen after the window opened started inside it: all its time counts.
        if (!first.has(pid)) first.set(pid, initial ? cpu : 0)
        last.set(pid, { name, cpu })
        if (this.named.has(pid)) {
          const mb = statusMb(pid, 'VmRSS')
          if (mb !== undefined) rss.set(name, Math.max(rss.get(name) ?? 0, mb))
        }
      }
    }
    sample(true)
    const timer = setInterval(() => sample(false), SAMPLE_MS)
    return {
      stop () {
        clearInterval(timer)
        sample(false)
        const seconds = (performance.now() - started) / 1000
        const cpu: Record<string, number> = {}
        for (const [pid, { name, cpu: c }] of last) cpu[name] = (cpu[name] ?? 0) + (c - first.get(pid)!)
        const tracked = Object.values(cpu).reduce((a, b) => a + b, 0)
        const machineEnd = machineSeconds()
        cpu.interrupts = machineEnd.interrupts - machineStart.interrupts
        cpu.machine = machineEnd.busy - machineStart.busy
        cpu.other = Math.max(0, cpu.machine - cpu.interrupts - tracked)
        const pct = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, 100 * v / seconds]))
        const others = [...allProcesses()]
          .filter(([pid]) => !last.has(pid))
          .map(([pid, p]) => ({ name: p.name, cpu: 100 * (p.cpu - (everyoneStart.get(pid)?.cpu ?? 0)) / seconds }))
          .filter(p => p.cpu >= 2).sort((a, b) => b.cpu - a.cpu).slice(0, 5)
        if (pct.other > 15) {
          warnings.push(`${label}: ${pct.other.toFixed(0)} % of a core went to other processes (${others.map(o => `${o.name} ${o.cpu.toFixed(0)} %`).join('; ')})`)
        }
        return { seconds, cpu: pct, rssMaxMb: Object.fromEntries(rss), others }
      }
    }
  }
}
