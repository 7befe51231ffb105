// What a chaos run must show at its end, read from PostgreSQL, Kafka and the SMTP server's own record: every
// booking that exists told exactly the parties it should, every notification e-mailed once (resends of one
// Message-ID counted), every live client given every notification of its person once, analytics equal to a
// recomputation, every 201 a booking, no 5xx but 503 with Retry-After, nothing left in the outbox, no lag, no dead
// letters, no process that died on its own.
import type pg from 'pg'
import { TOPICS } from '../../src/bookings/events.ts'
import { createAdmin } from '../../src/kafka/client/clients.ts'
import { deadLetterTopic, retryTopic } from '../../src/kafka/client/topics.ts'
import { committedOffsets, LATEST, offsetsAt } from '../../src/kafka/tools/offsets.ts'
import { audience, changeOf } from '../../src/notifications/messages.ts'
import type { Replica } from './fleet.ts'
import type { Answer, LiveClient } from './load.ts'
import type { SmtpSink } from '../../support/smtp.ts'

const BOOKING_TOPICS = [TOPICS.created, TOPICS.statusUpdated]
/** The consumer groups and the booking topics each reads. */
export const GROUPS: Record<string, string[]> = {
  'owner-service-group': BOOKING_TOPICS,
  'traveler-service-group': [TOPICS.statusUpdated],
  'email-service-group': BOOKING_TOPICS,
  'analytics-service-group': BOOKING_TOPICS
}

export interface Findings {
  bookings: number
  events: number
  notifications: { expected: number, written: number, missing: number, doubled: number, unexpected: number }
  emails: { sent: number, notSent: number, delivered: number, notDelivered: number, resends: number, unknownAtSmtp: number }
  live: { clients: number, reconnects: number, missed: number, doubled: number, misses: Array<{ user: number, id: number, createdAt: string, socket: Array<{ at: number, what: string }> }> }
  analytics: { properties: number, differing: string[] }
  answers: { total: number, byStatus: Record<string, number>, noAnswer: number, lostInFlight: number, created: number, createdNotFound: number, committedUnanswered: number, serverErrors: number, unavailableWithoutRetryAfter: number }
  drained: { unpublished: number, pending: number, lag: string[], deadLetters: Record<string, number> }
  crashed: string[]
  longestWaitMs: { notification: number, email: number }
}

/**
 * Whether everything that was started has finished: nothing unpublished, pending, unprocessed or being sent, every
 * group's offsets committed to the end of its topics (a consumer commits them after its transaction, and a member
 * that lost its partitions in a rebalance leaves them to the next, which reads the records again first: once, a run
 * was checked 5 records before that), and every notification on its sockets.
 */
export async function settled (db: pg.Pool, live: LiveClient[], brokers: string[]): Promise<string | undefined> {
  const { rows: [s] } = await db.query(`SELECT
      (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int AS unpublished,
      (SELECT count(*) FROM bookings WHERE status = 'pending')::int AS pending,
      (SELECT count(*) FROM email_messages WHERE status = 'sending')::int AS sending`)
  if (s.unpublished || s.pending || s.sending) return `${s.unpublished} unpublished, ${s.pending} pending, ${s.sending} e-mails sending`
  for (const [group, topics] of Object.entries(GROUPS)) {
    const { rows: [c] } = await db.query(`SELECT (SELECT count(*) FROM outbox WHERE topic = ANY($2))::int AS events,
        (SELECT count(*) FROM processed_events p JOIN outbox o USING (event_id) WHERE p.consumer_group = $1 AND o.topic = ANY($2))::int AS done`, [group, topics])
    if (c.done < c.events) return `${group}: ${c.done} of ${c.events} events processed`
  }
  const { lag } = await kafkaLeftovers(brokers)
  if (lag.length > 0) return `offsets not yet committed: ${lag.join('; ')}`
  const missing = await liveMisses(db, live)
  if (missing.missed > 0) return `${missing.missed} notifications not yet on a live socket`
}

async function liveMisses (db: pg.Pool, live: LiveClient[]) {
  const { rows } = await db.query<{ user_id: string, ids: string[], at: Date[] }>('SELECT user_id, array_agg(id ORDER BY id) AS ids, array_agg(created_at ORDER BY id) AS at FROM notifications GROUP BY user_id')
  const byUser = new Map(rows.map(r => [Number(r.user_id), r.ids.map((id, i) => ({ id: Number(id), at: r.at[i] }))]))
  let missed = 0
  let doubled = 0
  const misses: Findings['live']['misses'] = []
  for (const client of live) {
    for (const { id, at } of byUser.get(client.user.id) ?? []) {
      if (client.received.has(id)) continue
      missed++
      // The socket's story around the notification's commit: what a reader needs to find the seam.
      const t = new Date(at).getTime()
      if (misses.length < 20) misses.push({ user: client.user.id, id, createdAt: new Date(at).toISOString(), socket: client.log.filter(e => Math.abs(e.at - t) < 60_000).map(e => ({ at: e.at - t, what: e.what })) })
    }
    for (const n of client.received.values()) if (n > 1) doubled += n - 1
  }
  return { missed, doubled, misses }
}

const stripBrackets = (id: string) => id.replace(/^<|>$/g, '')

export async function check (db: pg.Pool, brokers: string[], opts: { answers: Answer[], live: LiveClient[], smtp: SmtpSink, crashed: Replica[] }): Promise<Findings> {
  const { answers, live, smtp } = opts
  // Who should have been told of each event, by the same rule the services use.
  const { rows: events } = await db.query<{ event_id: string, key: string, payload: string, owner_id: string, traveler_id: string }>(
    `SELECT o.event_id, o.key, o.payload, p.owner_id, b.traveler_id
       FROM outbox o JOIN bookings b ON b.id = o.key::bigint JOIN properties p ON p.id = b.property_id
      WHERE o.topic = ANY($1)`, [BOOKING_TOPICS])
  const expected = new Set<string>()
  for (const e of events) {
    const payload = JSON.parse(e.payload)
    for (const party of audience(changeOf(payload), payload)) expected.add(`${e.event_id}/${party === 'owner' ? e.owner_id : e.traveler_id}`)
  }
  const { rows: written } = await db.query<{ event_id: string, user_id: string, n: number }>(
    `SELECT n.event_id, n.user_id, count(*)::int AS n FROM notifications n JOIN outbox o USING (event_id)
      WHERE o.topic = ANY($1) GROUP BY 1, 2`, [BOOKING_TOPICS])
  const writtenKeys = new Set(written.map(w => `${w.event_id}/${w.user_id}`))

  const { rows: mails } = await db.query<{ message_id: string, status: string, event_id: string, recipient_id: string }>(
    'SELECT e.message_id, e.status, e.event_id, e.recipient_id FROM email_messages e')
  const sent = mails.filter(m => m.status === 'sent')
  const sentIds = new Set(sent.map(m => stripBrackets(m.message_id)))
  const delivered = new Map([...smtp.deliveries].map(([id, n]) => [stripBrackets(id), n]))
  const mailed = new Set(mails.map(m => `${m.event_id}/${m.recipient_id}`))

  const liveFound = await liveMisses(db, live)
  const analytics = await analyticsDifferences(db)
  const bookingIds = new Set((await db.query<{ id: string }>('SELECT id FROM bookings')).rows.map(r => Number(r.id)))
  const created = answers.filter(a => a.what === 'request' && a.status === 201)
  const createdIds = new Set(created.map(a => a.bookingId))
  const byStatus: Record<string, number> = {}
  for (const a of answers) { const k = a.error ? 'no answer' : a.fromProxy ? `${a.status} from the proxy` : String(a.status); byStatus[k] = (byStatus[k] ?? 0) + 1 }

  const { rows: [drain] } = await db.query(`SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int AS unpublished,
                                                   (SELECT count(*) FROM bookings WHERE status = 'pending')::int AS pending`)
  const { rows: [waits] } = await db.query(`SELECT
      coalesce(max(extract(epoch FROM n.created_at - o.created_at) * 1000), 0)::float8 AS notification,
      coalesce((SELECT max(extract(epoch FROM e.sent_at - o2.created_at) * 1000) FROM email_messages e JOIN outbox o2 USING (event_id)), 0)::float8 AS email
      FROM notifications n JOIN outbox o USING (event_id)`)

  return {
    bookings: bookingIds.size,
    events: events.length,
    notifications: {
      expected: expected.size,
      written: written.reduce((s, w) => s + w.n, 0),
      missing: [...expected].filter(k => !writtenKeys.has(k)).length,
      doubled: written.filter(w => w.n > 1).length,
      unexpected: [...writtenKeys].filter(k => !expected.has(k)).length
    },
    emails: {
      sent: sent.length,
      notSent: [...writtenKeys].filter(k => !mailed.has(k)).length + mails.filter(m => m.status !== 'sent').length,
      delivered: [...sentIds].filter(id => delivered.has(id)).length,
      notDelivered: [...sentIds].filter(id => !delivered.has(id)).length,
      resends: [...delivered.values()].reduce((s, n) => s + n - 1, 0),
      unknownAtSmtp: [...delivered.keys()].filter(id => !sentIds.has(id)).length
    },
    live: { clients: live.length, reconnects: live.reduce((s, c) => s + c.reconnects, 0), ...liveFound },
    analytics,
    answers: {
      total: answers.length,
      byStatus,
      noAnswer: answers.filter(a => a.error).length,
      created: created.length,
      createdNotFound: [...createdIds].filter(id => id === undefined || !bookingIds.has(id)).length,
      committedUnanswered: [...bookingIds].filter(id => !createdIds.has(id)).length,
      serverErrors: answers.filter(a => a.status >= 500 && a.status !== 503 && !a.fromProxy).length,
      lostInFlight: answers.filter(a => a.fromProxy && a.status >= 500).length,
      unavailableWithoutRetryAfter: answers.filter(a => a.status === 503 && !a.retryAfter).length
    },
    drained: { ...drain, ...await kafkaLeftovers(brokers) },
    crashed: opts.crashed.map(r => `${r.name} (exit ${r.child.child.exitCode})`),
    longestWaitMs: { notification: Math.round(waits.notification), email: Math.round(waits.email) }
  }
}

/** Each property's counts in analytics_daily against the same counts made from the bookings and their events. */
async function analyticsDifferences (db: pg.Pool) {
  const { rows } = await db.query(`
    WITH ev AS (SELECT o.key::bigint AS booking_id, o.payload::jsonb AS p FROM outbox o WHERE o.topic = $1),
    truth AS (
      SELECT b.property_id, count(*)::int AS requests,
             (SELECT count(*) FROM ev JOIN bookings b2 ON b2.id = ev.booking_id WHERE b2.property_id = b.property_id AND p->>'status' = 'accepted')::int AS accepted,
             (SELECT count(*) FROM ev JOIN bookings b2 ON b2.id = ev.booking_id WHERE b2.property_id = b.property_id AND p->>'status' = 'cancelled' AND p->>'reason' <> 'expired')::int AS cancelled,
             (SELECT count(*) FROM ev JOIN bookings b2 ON b2.id = ev.booking_id WHERE b2.property_id = b.property_id AND p->>'reason' = 'expired')::int AS expired
        FROM bookings b GROUP BY b.property_id),
    counted AS (SELECT property_id, sum(requests)::int AS requests, sum(accepted)::int AS accepted, sum(cancelled)::int AS cancelled, sum(expired)::int AS expired
                  FROM analytics_daily GROUP BY property_id)
    SELECT t.property_id, t.requests, t.accepted, t.cancelled, t.expired,
           c.requests AS c_requests, c.accepted AS c_accepted, c.cancelled AS c_cancelled, c.expired AS c_expired
      FROM truth t LEFT JOIN counted c USING (property_id)`, [TOPICS.statusUpdated])
  const differing: string[] = []
  for (const r of rows) {
    for (const f of ['requests', 'accepted', 'cancelled', 'expired']) {
      if (r[f] !== (r[`c_${f}`] ?? 0)) differing.push(`property ${r.property_id} ${f}: ${r[`c_${f}`] ?? 0} counted, ${r[f]} happened`)
    }
  }
  return { properties: rows.length, differing }
}

/** Partitions where a group has not committed up to the end, and the records in each dead-letter topic. */
async function kafkaLeftovers (brokers: string[]) {
  const admin = createAdmin(brokers, 'hostly-chaos-check')
  try {
    const lag: string[] = []
    for (const [group, topics] of Object.entries(GROUPS)) {
      // Each group's retry lane is a group of its own, "<group>.retry", on "<topic>.retry".
      for (const [lane, topic] of topics.flatMap(t => [[group, t], [`${group}.retry`, retryTopic(t)]])) {
        const [ends, committed] = await Promise.all([offsetsAt(admin, topic, LATEST), committedOffsets(admin, lane, topic)])
        for (const [partition, end] of ends) {
          const at = committed.get(partition) ?? -1n
          if (end > 0n && at < end) lag.push(`${lane} ${topic}-${partition}: ${end - (at < 0n ? 0n : at)} behind`)
        }
      }
    }
    const deadLetters: Record<string, number> = {}
    for (const topic of BOOKING_TOPICS.map(deadLetterTopic)) {
      const [ends, starts] = await Promise.all([offsetsAt(admin, topic, LATEST), offsetsAt(admin, topic, -2n)])
      deadLetters[topic] = [...ends].reduce((s, [p, end]) => s + Number(end - (starts.get(p) ?? 0n)), 0)
    }
    return { lag, deadLetters }
  } finally {
    await admin.close()
  }
}

/** The violations among the findings, in words; none means the run kept every promise. */
export function violations (f: Findings): string[] {
  const v: string[] = []
  const n = f.notifications
  if (n.missing) v.push(`${n.missing} notifications missing`)
  if (n.doubled) v.push(`${n.doubled} notifications written twice`)
  if (n.unexpected) v.push(`${n.unexpected} notifications nobody should have had`)
  if (f.emails.notSent) v.push(`${f.emails.notSent} notifications not e-mailed (or e-mails not sent)`)
  if (f.emails.notDelivered) v.push(`${f.emails.notDelivered} e-mails marked sent that the SMTP server never got`)
  if (f.emails.unknownAtSmtp) v.push(`${f.emails.unknownAtSmtp} e-mails at the SMTP server that Hostly has no record of`)
  if (f.live.missed) v.push(`${f.live.missed} notifications never reached a live socket`)
  if (f.live.doubled) v.push(`${f.live.doubled} notifications reached a live socket twice`)
  v.push(...f.analytics.differing)
  if (f.answers.createdNotFound) v.push(`${f.answers.createdNotFound} 201 answers without a booking`)
  if (f.answers.serverErrors) v.push(`${f.answers.serverErrors} 5xx answers other than 503`)
  if (f.answers.unavailableWithoutRetryAfter) v.push(`${f.answers.unavailableWithoutRetryAfter} 503 answers without Retry-After`)
  if (f.drained.unpublished) v.push(`${f.drained.unpublished} outbox rows never published`)
  if (f.drained.lag.length) v.push(`consumer lag left: ${f.drained.lag.join('; ')}`)
  for (const [topic, count] of Object.entries(f.drained.deadLetters)) if (count) v.push(`${count} dead letters in ${topic}`)
  if (f.crashed.length) v.push(`processes that died on their own: ${f.crashed.join(', ')}`)
  return v
}
