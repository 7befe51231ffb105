import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { TOPICS } from '../src/bookings/events.ts'
import { createLogger } from '../src/log.ts'
import { startZipkin, ZIPKIN_JAR, type Zipkin } from '../support/zipkin.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { openLive } from './helpers/live.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { stay, waitFor } from './helpers/wait.ts'

// Traces as an operator sees them: Hostly (API, relay, owner, traveler and e-mail services, in this process) exports
// its spans to a real Zipkin server (the exec jar from Maven Central, in memory), and one booking is one trace there,
// from its POST to the owner's e-mail and live push.

interface ZipkinSpan { traceId: string, id: string, parentId?: string, name: string, kind?: string, tags?: Record<string, string>, localEndpoint?: { serviceName?: string } }

let zipkin: Zipkin
let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
const logged: Array<Record<string, unknown>> = []

// Without the jar (scripts/zipkin-jar.sh fetches it; .ci/run does), skipped and saying why, unless CI is set.
const skip = !existsSync(ZIPKIN_JAR) && !process.env.CI ? `${ZIPKIN_JAR} is missing: bash scripts/zipkin-jar.sh fetches it` : false

before(async () => {
  if (skip) return
  zipkin = await startZipkin()
  sink = await smtpSink()
  const lines = new Writable({ write (chunk, _enc, done) { for (const line of String(chunk).split('\n')) if (line) logged.push(JSON.parse(line)); done() } })
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler', 'email'] },
    env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.spansUrl, OTEL_TRACES_SAMPLER_ARG: '1', SMTP_URL: sink.url },
    record: [TOPICS.created],
    log: createLogger('debug', 'hostly', false, lines)
  })
})
after(async () => {
  await stack?.stop() // exports the spans still waiting
  await sink?.stop()
  await zipkin?.stop()
})

/** The trace's spans as Zipkin has them, once the named ones are all there. */
async function traceWith (traceId: string, names: string[]): Promise<ZipkinSpan[]> {
  return await waitFor(`spans ${names.join(', ')} of trace ${traceId} in Zipkin`, async () => {
    const res = await fetch(`${zipkin.url}/api/v2/trace/${traceId}`)
    if (!res.ok) return undefined
    const spans = await res.json() as ZipkinSpan[]
    return names.every(n => spans.some(s => s.name === n)) ? spans : undefined
  }, 60_000, 500)
}

const one = (spans: ZipkinSpan[], name: string, tag?: [string, string]) => {
  const found = spans.filter(s => s.name === name && (!tag || s.tags?.[tag[0]] === tag[1]))
  assert.equal(found.length, 1, `one span ${name} ${tag?.join('=') ?? ''} among ${spans.map(s => s.name).join(', ')}`)
  return found[0]
}

test('one booking is one trace in Zipkin: request → relay send → each consumer → the owner\'s e-mail and live push, with the traceparent on the Kafka record and the trace id in the logs', { skip }, async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const live = await openLive(stack.url, owner)
  const traveler = await signUp(stack.url, 'traveler')
  const booking = await book(traveler, property.id, 20)

  // The outbox row carries the request's traceparent; the Kafka record carries the relay's send span's.
  const { rows: [row] } = await stack.db.query('SELECT traceparent FROM outbox WHERE key = $1', [String(booking.id)])
  const [, traceId, requestSpanId, flags] = String(row.traceparent).split('-')
  assert.match(traceId, /^[0-9a-f]{32}$/)
  assert.equal(flags, '01', 'sampled: OTEL_TRACES_SAMPLER_ARG=1')
  const record = await waitFor('the booking-created record', () => stack.recorder.forKey(TOPICS.created, booking.id)[0])
  const header = record.headers.traceparent
  assert.match(header, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`), 'the record continues the request\'s trace')

  await waitFor('the owner\'s e-mail', () => sink.received.find(m => m.to.includes(owner.user!.email)))
  await live.next('the owner\'s live notification', m => m.type === 'notification' && m.notification.booking_id === booking.id)
  await live.close()

  const spans = await traceWith(traceId, ['post /api/bookings', 'send booking-created', 'email send', 'live push'])
  const services = new Set(spans.map(s => s.localEndpoint?.serviceName))
  assert.deepEqual([...services], ['hostly'], 'hostly start\'s service name')
  const request = one(spans, 'post /api/bookings')
  assert.equal(request.kind, 'SERVER')
  assert.equal(request.id, requestSpanId)
  assert.equal(request.parentId, undefined, 'the request starts the trace')
  assert.equal(request.tags?.['http.response.status_code'], '201')
  assert.equal(request.tags?.['http.route'], '/api/bookings')
  assert.equal(request.tags?.['http.request.method'], 'POST')
  assert.equal(request.tags?.['url.path'], '/api/bookings')
  assert.equal(request.tags?.['client.address'], '127.0.0.1')

  const send = one(spans, 'send booking-created')
  assert.equal(send.kind, 'PRODUCER')
  assert.equal(send.parentId, request.id, 'the relay\'s send is a child of the request that wrote the row')
  assert.equal(header.split('-')[2], send.id, 'the record\'s header names the send span')

  const ownerSpan = one(spans, 'process booking-created', ['messaging.consumer.group.name', 'owner-service-group'])
  const emailSpan = one(spans, 'process booking-created', ['messaging.consumer.group.name', 'email-service-group'])
  for (const s of [ownerSpan, emailSpan]) {
    assert.equal(s.kind, 'CONSUMER')
    assert.equal(s.parentId, send.id, 'each consumer\'s processing is a child of the send')
    assert.equal(s.tags?.['hostly.event.duplicate'], 'false')
  }
  const mail = one(spans, 'email send')
  assert.equal(mail.parentId, emailSpan.id, 'the e-mail is sent within the e-mail service\'s processing')
  assert.equal(mail.tags?.['hostly.email.kind'], 'booking_requested')
  const push = one(spans, 'live push')
  assert.equal(push.parentId, ownerSpan.id, 'the live push follows the owner service\'s NOTIFY')
  assert.equal(push.tags?.['hostly.live.sockets'], '1')

  const lines = logged.filter(l => l.trace_id === traceId)
  assert.ok(lines.some(l => l.msg === 'Kafka consumer: event processed'), `a log line carries the trace id: ${JSON.stringify(lines)}`)
})

test('a request that brings its own traceparent is continued: its booking\'s outbox row is in the caller\'s trace', { skip }, async () => {
  const owner = await signUp(stack.url, 'owner')
  const property = await listProperty(owner)
  const traveler = await signUp(stack.url, 'traveler')
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
  const res = await traveler.request('POST', '/api/bookings', { property_id: property.id, ...stay(40, 2), num_guests: 1 },
    { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` })
  assert.equal(res.status, 201)
  const { rows: [row] } = await stack.db.query('SELECT traceparent FROM outbox WHERE key = $1', [String(res.body.booking.id)])
  assert.match(row.traceparent, new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-01$`))
  const spans = await traceWith(callerTrace, ['post /api/bookings', 'send booking-created'])
  assert.equal(one(spans, 'post /api/bookings').parentId, '00f067aa0ba902b7')
})
