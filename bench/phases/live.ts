// The live phase: Hostly as deployed with issue 9's pieces running, the e-mail worker (sending to an SMTP catcher
// of the bench's) and WebSocket clients of GET /api/live. Three figures, on one Hostly:
//   end_to_end   201 → the owner's socket, at a fixed rate (goal p99 ≤ 25 ms at 100/s); first at lighter rates,
//                which say how much of the tail is the machine's load (end_to_end_by_rate)
//   messages     a conversation's message sent → the other party's socket, at 20/s (live-messages.ts)
//   sockets      N sockets on one API process: memory per connection, and the p99 of a push while they are open
//   creation     booking throughput with e-mail and live push running against without them (goal ≥ 0.9)
import type { Cleanup } from '../lib/cleanup.ts'
import type { Fixtures } from '../lib/fixtures.ts'
import type { Monitor } from '../lib/monitor.ts'
import { startEmailWorker, startMessageWorker } from '../lib/servers.ts'
import { smtpSink } from '../../support/smtp.ts'
import type { Target } from './booking-creation.ts'
import { creationWithLive, emailCaughtUp } from './live-creation.ts'
import { liveMessages } from './live-messages.ts'
import { liveEndToEnd, manySockets } from './live-push.ts'

export interface LiveSettings {
  /** rate: the goal's; lighter: rates run before it, the same way. */
  endToEnd: { rate: number, seconds: number, maxInFlight: number, lighter: number[] }
  messages: { rate: number, count: number, pairs: number, maxInFlight: number }
  sockets: { count: number, pushes: number, pushRate: number, settleMemoryMs: number }
  creation: { connections: number, seconds: number, warmupS: number }
  settleS: number
}

export async function livePhase (target: Target, fixtures: Fixtures, databaseUrl: string, cfg: LiveSettings, ctx: {
  cleanup: Cleanup, monitor: Monitor, workDir: string, brokers: string, log: (line: string) => void
}) {
  const { monitor, log } = ctx
  const smtp = await smtpSink({ countOnly: true })
  ctx.cleanup.add('stop the SMTP catcher', () => smtp.stop())
  const email = { start: () => startEmailWorker(ctx, databaseUrl, smtp.url), caught: () => smtp.count() }
  const worker = email.start()
  await emailCaughtUp(target, cfg.settleS * 5) // every booking made before this phase, once
  log(`e-mail worker caught up (${smtp.count()} e-mails so far)`)

  const byRate = []
  for (const rate of [...cfg.endToEnd.lighter, cfg.endToEnd.rate]) {
    byRate.push(await liveEndToEnd(target, fixtures, { ...cfg.endToEnd, rate, settleS: cfg.settleS, monitor, log }))
  }
  const endToEnd = byRate[byRate.length - 1]
  // The message service runs for the messages only, so the figures after are as they were without it.
  const messageWorker = startMessageWorker(ctx, databaseUrl)
  const messages = await liveMessages(target, fixtures, { ...cfg.messages, settleS: cfg.settleS, monitor, log })
  await messageWorker.stop()
  const sockets = await manySockets(target, { ...cfg.sockets, sockets: cfg.sockets.count, monitor, log })
  const creation = await creationWithLive(target, fixtures, email, worker, { ...cfg.creation, settleS: cfg.settleS, monitor, log })
  const c = creation.connections
  return {
    live: {
      end_to_end: { p50_ms: endToEnd.latency_ms.p50, p99_ms: endToEnd.latency_ms.p99, ...endToEnd },
      end_to_end_by_rate: byRate.map(r => ({ rate: r.rate, machine_cpu: r.cpu.machine, latency_ms: r.latency_ms, stages_ms: r.stages_ms })),
      messages: { p50_ms: messages.latency_ms.p50, p99_ms: messages.latency_ms.p99, ...messages },
      sockets,
      creation
    },
    cpu: {
      ...Object.fromEntries(byRate.map(r => [`live end to end ${r.rate}/s`, r.cpu])),
      [`live messages ${messages.rate}/s`]: messages.cpu,
      [`live push, ${sockets.sockets} sockets`]: sockets.cpu,
      [`live creation c${c} with`]: creation.with_first.cpu,
      [`live creation c${c} without`]: creation.without.cpu,
      [`live creation c${c} with, again`]: creation.with_again.cpu
    }
  }
}
