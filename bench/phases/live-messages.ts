// Conversations, live: a message sent in a booking's thread reaches the other party's socket. The path measured is
// POST /api/bookings/:id/messages (message and outbox row in one transaction, the relay woken) → the relay →
// message-sent → `hostly worker messages` (message-service-group: the unread count, and NOTIFY on commit) → the
// recipient's API process loads the message → their GET /api/live socket.
//
// Pairs of a traveler and a host, a booking each (made here), with both parties' sockets open; one unmeasured message
// per pair first (it opens the thread, and the message worker's group has joined once they have all arrived); then
// `count` messages paced at `rate` (open loop), pair after pair, the traveler and the host taking turns.
// Latency is the recipient's socket receiving the message − the bench starting to write the POST (the sender
// pressing send), on the bench's one clock; `after_201_ms` is the same from the 201 instead (as live end to end
// measures bookings), and `requests.latency` the POST → 201 itself.
import type { Fixtures, User } from '../lib/fixtures.ts'
import { openLive } from '../lib/live-clients.ts'
import { paced, type PacedResult } from '../lib/load.ts'
import type { Monitor } from '../lib/monitor.ts'
import { bookOne, until } from '../lib/servers.ts'
import { summarize, type Summary } from '../lib/stats.ts'
import { settle, type Target } from './booking-creation.ts'

export interface LiveMessages {
  rate: number
  pairs: number
  sockets: number
  /** The measured POSTs: achieved rate, failures by status, and POST → 201 (`latency`). */
  requests: PacedResult
  /** POST written → the message received on the recipient's socket. */
  latency_ms: Summary
  /** 201 received → the message received on the recipient's socket. */
  after_201_ms: Summary
  /** Messages answered 201 that the recipient's socket had not received 10 s after the last answer. */
  missing: number
  cpu: Record<string, number>
}

interface Pair { bookingId: number, traveler: User, owner: User }

const messageRequest = (pair: Pair, sender: User, text: string) => ({
  method: 'POST' as const,
  path: `/api/bookings/${pair.bookingId}/messages`,
  headers: { cookie: sender.cookie, 'content-type': 'application/json' },
  body: JSON.stringify({ text })
})

export async function liveMessages (target: Target, fixtures: Fixtures, opts: {
  rate: number, count: number, pairs: number, maxInFlight: number, settleS: number, monitor: Monitor, log: (line: string) => void
}): Promise<LiveMessages> {
  const pairs: Pair[] = []
  for (let i = 0; i < opts.pairs; i++) {
    const bookingId = await bookOne(target.server.url, target.stays)
    const { rows: [b] } = await target.db.query(
      'SELECT b.traveler_id, p.owner_id FROM bookings b JOIN properties p ON p.id = b.property_id WHERE b.id = $1', [bookingId])
    const traveler = fixtures.travelers.find(u => u.id === b.traveler_id)!
    const owner = fixtures.owners.find(u => u.id === b.owner_id)!
    pairs.push({ bookingId, traveler, owner })
  }
  await settle(target, opts.settleS) // their booking_requested notifications pushed before the sockets open

  // One socket per person of the pairs (a host of two pairs has one); a message counts on its recipient's only.
  const people = [...new Map(pairs.flatMap(p => [p.traveler, p.owner]).map(u => [u.id, u])).values()]
  const received = new Map<number, { at: number, user: number }>() // message id -> received, and by whom
  const clients = await openLive(target.server.url, people.map(u => u.cookie), (m, at, index) => {
    if (m.type === 'message') received.set(m.message.id, { at, user: people[index].id })
  })
  try {
    const recipients = new Map<number, number>() // message id -> recipient
    const threads = new Map<number, Pair>() // thread id -> its pair
    const post = async (pair: Pair, fromTraveler: boolean, text: string) => {
      const req = messageRequest(pair, fromTraveler ? pair.traveler : pair.owner, text)
      const res = await fetch(target.server.url + req.path, { method: req.method, headers: req.headers, body: req.body })
      if (res.status !== 201) throw new Error(`a first message: ${res.status} ${await res.text()}`)
      const { message } = await res.json()
      recipients.set(message.id, fromTraveler ? pair.owner.id : pair.traveler.id)
      threads.set(message.thread_id, pair)
    }
    await Promise.all(pairs.map(p => post(p, true, 'Hello, we are looking forward to our stay.')))
    await until('the first message of every pair on its host\'s socket', async () => [...recipients.keys()].every(id => received.has(id)), opts.settleS * 1000)

    const sent = new Map<number, number>() // message id -> POST written
    const answered = new Map<number, number>() // message id -> 201 received
    let i = 0
    const window = opts.monitor.window(`live messages ${opts.rate}/s`)
    const requests = await paced({
      url: target.server.url,
      rate: opts.rate,
      seconds: opts.count / opts.rate,
      maxInFlight: opts.maxInFlight,
      expect: 201,
      next: () => {
        const n = i++
        const pair = pairs[n % pairs.length]
        const fromTraveler = Math.floor(n / pairs.length) % 2 === 1 // the host answers the first message
        return messageRequest(pair, fromTraveler ? pair.traveler : pair.owner, `Bench message ${n}: what time is check-in?`)
      },
      onOk: (body, at, sentAt) => {
        const { message } = JSON.parse(body)
        const pair = threads.get(message.thread_id)!
        sent.set(message.id, sentAt)
        answered.set(message.id, at)
        recipients.set(message.id, message.sender_id === pair.traveler.id ? pair.owner.id : pair.traveler.id)
      }
    })
    const usage = window.stop()
    const arrived = (id: number) => received.get(id)?.user === recipients.get(id)
    await until('every message on its recipient\'s socket', async () => [...answered.keys()].every(arrived), 10_000).catch(() => {})
    const ids = [...answered.keys()].filter(arrived)
    const run = {
      rate: opts.rate,
      pairs: pairs.length,
      sockets: people.length,
      requests,
      latency_ms: summarize(ids.map(id => received.get(id)!.at - sent.get(id)!)),
      after_201_ms: summarize(ids.map(id => received.get(id)!.at - answered.get(id)!)),
      missing: answered.size - ids.length,
      cpu: usage.cpu
    }
    if (requests.failed > 0) {
      console.error(`bench: live messages: ${requests.failed} failed requests ${JSON.stringify(requests.statuses)}`)
      // A 500 is a fault of the API's: what it logged at error level says which (a few were seen at load 30).
      const errors = (await target.server.processes[0].tail(2000)).split('\n').filter(l => l.includes('"level":50'))
      for (const line of errors.slice(-3)) console.error(`bench: live messages: the API logged ${line.slice(0, 2000)}`)
    }
    opts.log(`live messages at ${opts.rate}/s (achieved ${requests.achievedRate.toFixed(1)}/s, POST p99 ${requests.latency.p99.toFixed(1)} ms): ` +
      `sent → recipient's socket p50 ${run.latency_ms.p50.toFixed(1)} ms, p99 ${run.latency_ms.p99.toFixed(1)} ms, ${run.missing} missing`)
    return run
  } finally {
    await clients.close()
  }
}
