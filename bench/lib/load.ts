// Load generators. closedLoop: a fixed number of connections, each sending its next request as soon as the
// previous answer arrives (autocannon, programmatic). paced: an open loop sending at a fixed rate whatever
// the answers do, each request timed on its own.
import autocannon from 'autocannon'
import { Agent, request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { nowMs, summarize, type Summary } from './stats.ts'

export interface Request { method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string }

export interface LoadResult {
  connections: number
  seconds: number
  /** Answers with the expected status. */
  ok: number
  /** Other statuses, socket errors and timeouts. */
  failed: number
  statuses: Record<string, number>
  /** ok answers per second. */
  rps: number
  latency: Summary
}

interface ClosedLoop {
  url: string,
  connections: number,
  seconds: number,
  maxRequests?: number,
  expect: number,
  next: () => Request,
  onOk?: (body: string, receivedAt: number) => void
}

/** Windows a closed loop may try before it reports a window with no answer (each twice as long as the one before). */
const WINDOWS = 4

/**
 * Runs `connections` connections for `seconds` (or until `maxRequests`), each request made by next().
 * Latency is autocannon's per-request time from writing the request to the end of the answer.
 *
 * A window in which no answer at all arrived measured nothing (a rate of 0 would be a ratio of 0 or of
 * infinity): it is run again, twice as long, and says so. On a busy machine the smoke run's half-second windows
 * ended before a freshly started API had answered once. Answers of another status are answers: never run again.
 */
export async function closedLoop (opts: ClosedLoop): Promise<LoadResult> {
  let seconds = opts.seconds
  for (let window = 1; ; window++) {
    const load = await closedLoopWindow({ ...opts, seconds })
    if (load.ok + load.failed > 0 || window === WINDOWS) return load
    console.error(`bench: no answer from ${opts.url} within ${seconds} s with ${opts.connections} connections: measuring again for ${seconds * 2} s`)
    seconds *= 2
  }
}

async function closedLoopWindow (opts: ClosedLoop): Promise<LoadResult> {
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let ok = 0
  const options = {
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.maxRequests !== undefined && { maxOverallRequests: Math.max(opts.maxRequests, opts.connections) }),
    timeout: 10,
    requests: [{
      setupRequest: (req: autocannon.Request) => ({ ...req, ...opts.next() }),
      onResponse: (status: number, body: string) => {
        if (status === opts.expect) opts.onOk?.(body, nowMs())
      }
    }]
  } as autocannon.Options
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, res) => err ? reject(err) : resolve(res))
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status === opts.expect) {
        ok++
        latencies.push(ms)
      }
    })
  })
  const failed = Object.entries(statuses).reduce((n, [s, c]) => n + (Number(s) === opts.expect ? 0 : c), 0) + result.errors + result.timeouts
  if (result.errors) statuses.socket_errors = result.errors
  if (result.timeouts) statuses.timeouts = result.timeouts
  return { connections: opts.connections, seconds: result.duration, ok, failed, statuses, rps: ok / result.duration, latency: summarize(latencies) }
}

export interface PacedResult {
  rate: number
  sent: number
  ok: number
  failed: number
  /** Requests sent per second, as achieved (the target is `rate`). */
  achievedRate: number
  /** Requests that had to wait because maxInFlight answers were outstanding (the server fell behind). */
  delayed: number
  /** The failed ones by status ("error": a socket error or timeout); empty when none failed. */
  statuses: Record<string, number>
  latency: Summary
}

/**
 * Sends `rate` requests per second for `seconds`, spaced evenly, without waiting for answers (at most
 * maxInFlight outstanding). onOk gets each expected answer's body, the time it was received and the time its
 * request was sent (nowMs, just before the request is written).
 */
export async function paced (opts: {
  url: string,
  rate: number,
  seconds: number,
  maxInFlight: number,
  expect: number,
  next: () => Request,
  onOk: (body: string, receivedAt: number, sentAt: number) => void
}): Promise<PacedResult> {
  const target = new URL(opts.url)
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxInFlight })
  const total = Math.round(opts.rate * opts.seconds)
  const interval = 1000 / opts.rate
  const latencies: number[] = []
  let ok = 0
  let failed = 0
  let inFlight = 0
  let delayed = 0
  const statuses: Record<string, number> = {}
  let slotFreed: (() => void) | undefined
  const finished: Promise<void>[] = []

  const send = (req: Request) => new Promise<void>(resolve => {
    const sentAt = nowMs()
    inFlight++
    const done = (status: number | undefined, body: string) => {
      inFlight--
      slotFreed?.()
      const at = nowMs()
      if (status === opts.expect) {
        ok++
        latencies.push(at - sentAt)
        opts.onOk(body, at, sentAt)
      } else {
        failed++
        statuses[status ?? 'error'] = (statuses[status ?? 'error'] ?? 0) + 1
      }
      resolve()
    }
    const r = httpRequest({
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.path,
      timeout: 10_000,
      headers: { ...req.headers, ...(req.body !== undefined && { 'content-length': Buffer.byteLength(req.body) }) }
    }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => done(res.statusCode, body))
      res.on('error', () => done(undefined, ''))
    })
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', () => done(undefined, ''))
    r.end(req.body)
  })

  const started = nowMs()
  const deadline = started + opts.seconds * 2000 + 10_000
  let sent = 0
  let lastSentAt = started
  while (sent < total && nowMs() < deadline) {
    const wait = started + sent * interval - nowMs()
    if (wait > 0.5) await sleep(wait)
    while (sent < total && started + sent * interval <= nowMs() && nowMs() < deadline) {
      if (inFlight >= opts.maxInFlight) { // never more than maxInFlight outstanding: wait for a slot
        delayed++
        await new Promise<void>(resolve => { slotFreed = resolve; setTimeout(resolve, 1000) })
        slotFreed = undefined
        continue
      }
      finished.push(send(opts.next()))
      sent++
      lastSentAt = nowMs()
    }
  }
  const sentSeconds = (lastSentAt - started + interval) / 1000
  await Promise.race([Promise.all(finished), sleep(15_000)])
  agent.destroy()
  return { rate: opts.rate, sent, ok, failed, achievedRate: sent / sentSeconds, delayed, statuses, latency: summarize(latencies) }
}
