// Booking creation with the e-mail worker and live push running against without them, on the same Hostly in the
// same run: with (e-mail worker sending to the bench's SMTP catcher, sockets of every owner and traveler open),
// without (the worker stopped, the sockets closed), with again. The ratio is the mean of the two "with" runs over
// the "without" one, so the database growing across the runs tilts it neither way.
import type { Child } from '../lib/children.ts'
import type { Fixtures } from '../lib/fixtures.ts'
import { openLive, type LiveClients } from '../lib/live-clients.ts'
import type { Monitor } from '../lib/monitor.ts'
import { until } from '../lib/servers.ts'
import { BENCH_PUSH } from './live-push.ts'
import { measureCreation, type CreationRun, type Target } from './booking-creation.ts'

export interface CreationWithLive {
  connections: number
  sockets: number
  with_first: CreationRun
  without: CreationRun
  with_again: CreationRun
  /** mean(with) / without, req/s. */
  throughput_ratio: number
  /** Messages pushed to the open sockets and e-mails caught, during the two "with" runs. */
  pushed: number
  emails: number
}

export interface EmailSide {
  start (): Child
  /** E-mails the SMTP catcher has accepted so far. */
  caught (): number
}

/** The e-mail worker has dealt with every notification (sent, refused or skipped) but the bench's pushes: caught up. */
export async function emailCaughtUp (target: Target, timeoutS: number) {
  await until('the e-mail worker to catch up', async () => {
    const { rows: [r] } = await target.db.query(
      `SELECT (SELECT count(*) FROM notifications WHERE message <> $1) AS n,
              (SELECT count(*) FROM email_messages WHERE status <> 'sending') AS e`, [BENCH_PUSH.message])
    return Number(r.e) >= Number(r.n)
  }, timeoutS * 1000, 200)
}

export async function creationWithLive (target: Target, fixtures: Fixtures, email: EmailSide, worker: Child, opts: {
  connections: number, seconds: number, warmupS: number, settleS: number, monitor: Monitor, log: (line: string) => void
}): Promise<CreationWithLive> {
  const cookies = [...fixtures.owners, ...fixtures.travelers].map(u => u.cookie)
  let pushed = 0
  const sockets = () => openLive(target.server.url, cookies, m => { if (m.type !== 'ready') pushed++ })
  const measure = () => measureCreation(target, opts.connections, { ...opts, monitor: opts.monitor })
  const withLive = async (clients: LiveClients) => {
    const run = await measure()
    await emailCaughtUp(target, opts.settleS)
    await clients.close()
    return run
  }

  const mailedBefore = email.caught()
  const withFirst = await withLive(await sockets())
  opts.log(`creation with e-mail and live push: ${withFirst.rps.toFixed(0)} req/s`)
  const mailed = email.caught() - mailedBefore
  await worker.stop()
  const without = await measure()
  opts.log(`creation without them: ${without.rps.toFixed(0)} req/s`)
  const again = email.start()
  await emailCaughtUp(target, opts.settleS * 5) // the worker catches up with the run without it first
  const mailedAgain = email.caught()
  const withAgain = await withLive(await sockets())
  opts.log(`creation with e-mail and live push, again: ${withAgain.rps.toFixed(0)} req/s`)
  await again.stop()
  return {
    connections: opts.connections,
    sockets: cookies.length,
    with_first: withFirst,
    without,
    with_again: withAgain,
    throughput_ratio: (withFirst.rps + withAgain.rps) / 2 / without.rps,
    pushed,
    emails: mailed + (email.caught() - mailedAgain)
  }
}
