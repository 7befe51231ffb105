import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createAdmin, createProducer, kafkaName } from '../src/kafka/client/clients.ts'
import { deadLetterTopic } from '../src/kafka/client/topics.ts'
import { MESSAGE_TOPICS } from '../src/messages/events.ts'
import { REVIEW_TOPICS } from '../src/reviews/events.ts'
import { closeReviewWindows } from '../src/reviews/window.ts'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { loadContract, recordProblems } from './helpers/asyncapi.ts'
import { groupCaughtUp } from './helpers/kafka.ts'
import { openLive } from './helpers/live.ts'
import { cleanUp, run } from './helpers/processes.ts'
import { smtpSink } from './helpers/smtp.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// Reviews (issue 19, the second half of conversations): double-blind publication, review-published through the
// outbox, the review service (inbox, live) and the review e-mail, on a real broker, PostgreSQL and SMTP server.
// The sweeper is not among the pieces: the tests run its review step (closeReviewWindows) themselves.

const TOPIC = REVIEW_TOPICS.published
const GROUPS = ['review-service-group', 'review-email-group']
let stack: Stack
let sink: Awaited<ReturnType<typeof smtpSink>>
before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, workers: ['reviews', 'email', 'analytics'] },
    env: { SMTP_URL: sink.url, APP_URL: 'http://app.test' },
    record: [TOPIC, deadLetterTopic(TOPIC)]
  })
})
after(async () => {
  await stack?.stop()
  await sink?.stop()
  await cleanUp()
})

const caughtUp = () => waitFor('both review groups caught up', async () =>
  await groupCaughtUp(stack.brokers, GROUPS[0], TOPIC) && groupCaughtUp(stack.brokers, GROUPS[1], TOPIC))

const count = async (sql: string, values: unknown[] = []) => (await stack.db.query(sql, values)).rows[0].n as number
const reviewNotifications = (userId: number) =>
  count("SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND type = 'review_published'", [userId])
const reviewMails = (client: Client) => sink.to(client.user!.email).filter(m => /reviewed/.test(m.subject))

let places = 0
/** An accepted stay of a new place that ended `endedDaysAgo` days ago (accepted ahead, then moved into the past). */
async function pastStay (endedDaysAgo = 2) {
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(owner, { name: `Casa <b>Azul</b> ${++places}` })
  const traveler = await signUp(stack.url, 'traveler', 'Tomás')
  const booking = await book(traveler, property.id, 30, 3)
  assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
  await endedAgo(booking.id, endedDaysAgo)
  return { owner, traveler, property, booking }
}

async function endedAgo (bookingId: number, days: number) {
  await stack.db.query(`UPDATE bookings SET start_date = (now() AT TIME ZONE 'UTC')::date - $2::int - 3,
                                            end_date = (now() AT TIME ZONE 'UTC')::date - $2::int WHERE id = $1`, [bookingId, days])
}

async function review (who: Client, bookingId: number, rating: number, comment: string) {
  const reply = await who.post(`/api/bookings/${bookingId}/reviews`, { rating, comment })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body as { review: any, published: boolean }
}

test('double-blind, guest first: neither sees the other\'s review until both wrote; then both publish, each reviewed party told once, live, in the inbox and by e-mail', async () => {
  const { owner, traveler, property, booking } = await pastStay()
  const ownerLive = await openLive(stack.url, owner)
  const travelerLive = await openLive(stack.url, traveler)
  await ownerLive.next('ready', m => m.type === 'ready')
  await travelerLive.next('ready', m => m.type === 'ready')

  const first = await review(traveler, booking.id, 4, 'Lovely place.\nThe terrace <script>!')
  assert.equal(first.published, false)
  assert.equal(first.review.published_at, null)
  assert.equal(first.review.author.name, 'Tomás')
  const hostSees = (await owner.get(`/api/bookings/${booking.id}/reviews`)).body
  assert.deepEqual([hostSees.mine, hostSees.theirs, hostSees.window.open], [null, null, true], 'the host cannot read the guest\'s review yet')
  const guestSees = (await traveler.get(`/api/bookings/${booking.id}/reviews`)).body
  assert.equal(guestSees.mine.comment, 'Lovely place.\nThe terrace <script>!')
  assert.equal(guestSees.window.open, false, 'written: the guest cannot write again')
  assert.deepEqual((await traveler.get(`/api/properties/${property.id}/reviews`)).body, { rating: { average: null, count: 0 }, reviews: [], next_cursor: null })
  assert.equal(stack.recorder.forKey(TOPIC, booking.id).length, 0, 'no event before publication')

  const second = await review(owner, booking.id, 5, 'A perfect guest.')
  assert.equal(second.published, true)
  assert.ok(second.review.published_at)

  const toHost = await ownerLive.next('the host told live', m => m.type === 'notification' && m.notification.type === 'review_published')
  assert.equal(toHost.notification.message, `Tomás reviewed their stay at ${property.name}: 4 out of 5.`)
  const toGuest = await travelerLive.next('the guest told live', m => m.type === 'notification' && m.notification.type === 'review_published')
  assert.equal(toGuest.notification.message, `Olivia, your host at ${property.name}, reviewed your stay: 5 out of 5.`)
  const events = await waitFor('both events', () => { const r = stack.recorder.forKey(TOPIC, booking.id); return r.length === 2 ? r : undefined })
  assert.deepEqual(events.map(e => JSON.parse(e.value).reason), ['both_written', 'both_written'])
  await caughtUp()

  const [mail] = await waitFor('the host\'s e-mail', () => { const m = reviewMails(owner); return m.length ? m : undefined })
  assert.match(mail.subject, /^Tomás reviewed their stay at Casa <b>Azul<\/b>/)
  assert.match(mail.text, /Lovely place\.\nThe terrace <script>!/)
  assert.match(mail.html, /The terrace &lt;script&gt;!/)
  assert.match(mail.text, new RegExp(`http://app\\.test/bookings/${booking.id}\\b`))
  await waitFor('the guest\'s e-mail', () => reviewMails(traveler).length === 1)
  assert.equal(reviewMails(owner).length, 1)
  assert.deepEqual([await reviewNotifications(owner.user!.id), await reviewNotifications(traveler.user!.id)], [1, 1])
  const inbox = (await owner.get('/api/notifications')).body.notifications
  assert.ok(inbox.some((n: any) => n.type === 'review_published' && n.booking_id === booking.id))

  assert.equal((await owner.get(`/api/bookings/${booking.id}/reviews`)).body.theirs.comment, 'Lovely place.\nThe terrace <script>!')
  assert.equal((await traveler.get(`/api/bookings/${booking.id}/reviews`)).body.theirs.rating, 5)
  const page = (await traveler.get(`/api/properties/${property.id}/reviews`)).body
  assert.deepEqual(page.rating, { average: 4, count: 1 }, 'the host\'s review of the guest is not the place\'s')
  assert.deepEqual(page.reviews.map((r: any) => [r.author.name, r.rating, r.author_role]), [['Tomás', 4, 'traveler']])
  await Promise.all([ownerLive.close(), travelerLive.close()])
})

test('double-blind, host first: the host\'s review waits for the guest\'s, and both publish with it', async () => {
  const { owner, traveler, booking } = await pastStay(13)
  assert.equal((await review(owner, booking.id, 3, 'Left the kitchen in a state.')).published, false)
  assert.equal((await traveler.get(`/api/bookings/${booking.id}/reviews`)).body.theirs, null)
  assert.equal((await review(traveler, booking.id, 2, 'Noisy street.')).published, true)
  assert.equal((await traveler.get(`/api/bookings/${booking.id}/reviews`)).body.theirs.comment, 'Left the kitchen in a state.')
  await waitFor('both events', () => stack.recorder.forKey(TOPIC, booking.id).length === 2)
  await caughtUp()
  assert.deepEqual([await reviewNotifications(owner.user!.id), await reviewNotifications(traveler.user!.id)], [1, 1])
})

test('the window closing publishes a lone review through the sweeper\'s step, once; then the other party can no longer write', async () => {
  const { owner, traveler, property, booking } = await pastStay(5)
  await review(traveler, booking.id, 5, 'Wonderful.')
  assert.equal(await closeReviewWindows(stack.db), 0, 'the window is still open: nothing published')
  await endedAgo(booking.id, 14)
  const published = await closeReviewWindows(stack.db)
  assert.ok(published >= 1)
  assert.equal(await closeReviewWindows(stack.db), 0, 'a second run publishes nothing')
  const [event] = await waitFor('the event', () => { const r = stack.recorder.forKey(TOPIC, booking.id); return r.length ? r : undefined })
  assert.equal(JSON.parse(event.value).reason, 'window_closed')
  assert.equal((await owner.get(`/api/bookings/${booking.id}/reviews`)).body.theirs.comment, 'Wonderful.')
  const late = await owner.post(`/api/bookings/${booking.id}/reviews`, { rating: 4, comment: 'Too late?' })
  assert.equal(late.status, 409)
  assert.equal(late.body.code, 'REVIEW_WINDOW_CLOSED')
  assert.match(late.body.message, /^Reviews of this stay closed on \d{4}-\d{2}-\d{2}, 14 days after it ended\.$/)
  await caughtUp()
  assert.equal(await reviewNotifications(owner.user!.id), 1)
  await waitFor('one e-mail to the host', () => reviewMails(owner).length === 1)
  assert.equal(stack.recorder.forKey(TOPIC, booking.id).length, 1)
  assert.deepEqual((await owner.get(`/api/properties/${property.id}/reviews`)).body.rating, { average: 5, count: 1 })
})

test('a sweeper and the second writer meeting on one review publish it once: one event each, the rating counted once', async () => {
  const { owner, traveler, property, booking } = await pastStay()
  const first = await review(traveler, booking.id, 3, 'Fine.')
  // A sweeper that has picked the guest's review and not committed yet (as close_review_windows() would, at the close).
  const sweeper = await stack.db.connect()
  try {
    await sweeper.query('BEGIN')
    await sweeper.query('SELECT publish_reviews(ARRAY[$1::bigint], $2, $3)', [first.review.id, 'window_closed', TOPIC])
    // The host writes meanwhile: both reviews exist, so the write publishes what it sees unpublished, and waits on the row.
    const written = owner.post(`/api/bookings/${booking.id}/reviews`, { rating: 5, comment: 'Great guest.' })
    await waitFor('the host\'s write waiting on the sweeper\'s lock', async () =>
      (await stack.db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%write_review%'")).rows[0].n === 1)
    await sweeper.query('COMMIT')
    const reply = await written
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
  } finally {
    sweeper.release()
  }
  const { rows } = await stack.db.query("SELECT payload::json->>'id' AS id, payload::json->>'reason' AS reason FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id", [TOPIC, String(booking.id)])
  assert.deepEqual(rows.map(r => r.reason), ['window_closed', 'both_written'], 'one event per review')
  assert.equal(new Set(rows.map(r => r.id)).size, 2)
  const { rows: [ratings] } = await stack.db.query('SELECT reviews, rating_sum FROM property_ratings WHERE property_id = $1', [property.id])
  assert.deepEqual(ratings, { reviews: 1, rating_sum: 3 })
})

test('one review per party per stay: a second is refused (409), and the database refuses one written around the API', async () => {
  const { traveler, booking } = await pastStay()
  await review(traveler, booking.id, 4, 'Good.')
  const again = await traveler.post(`/api/bookings/${booking.id}/reviews`, { rating: 1, comment: 'Changed my mind.' })
  assert.equal(again.status, 409)
  assert.equal(again.body.code, 'ALREADY_REVIEWED')
  await assert.rejects(stack.db.query(`INSERT INTO reviews (booking_id, property_id, author_id, subject_id, author_role, rating, comment)
                                       SELECT booking_id, property_id, author_id, subject_id, author_role, 1, 'x' FROM reviews WHERE booking_id = $1`, [booking.id]),
  /reviews_one_per_party/)
  assert.equal(await count('SELECT count(*)::int AS n FROM reviews WHERE booking_id = $1', [booking.id]), 1)
})

test('refused with a clear answer: a cancelled, pending or future stay, a stranger, bad ratings and bad text; nothing written', async () => {
  const { owner, traveler, property, booking } = await pastStay()
  const stranger = await signUp(stack.url, 'traveler', 'Sam')
  const before = await count('SELECT count(*)::int AS n FROM reviews')

  const future = await book(traveler, property.id, 60, 2)
  const early = await traveler.post(`/api/bookings/${future.id}/reviews`, { rating: 5, comment: 'Can\'t wait!' })
  assert.deepEqual([early.status, early.body.code], [409, 'STAY_NOT_REVIEWABLE'], 'pending')
  assert.match(early.body.message, /^This booking is pending: only a stay that took place can be reviewed\.$/)
  assert.equal((await owner.post(`/api/bookings/${future.id}/accept`)).status, 200)
  const tooEarly = await owner.post(`/api/bookings/${future.id}/reviews`, { rating: 5, comment: 'Can\'t wait!' })
  assert.deepEqual([tooEarly.status, tooEarly.body.code], [409, 'REVIEW_TOO_EARLY'])
  assert.match(tooEarly.body.message, new RegExp(`from ${future.end_date}\\.$`))
  const cancelled = await book(traveler, property.id, 90, 2)
  assert.equal((await traveler.post(`/api/bookings/${cancelled.id}/cancel`)).status, 200)
  await endedAgo(cancelled.id, 1)
  const refused = await traveler.post(`/api/bookings/${cancelled.id}/reviews`, { rating: 1, comment: 'Never went.' })
  assert.deepEqual([refused.status, refused.body.code], [409, 'STAY_NOT_REVIEWABLE'])
  assert.match(refused.body.message, /This booking is cancelled/)

  const notParty = await stranger.post(`/api/bookings/${booking.id}/reviews`, { rating: 1, comment: 'Terrible.' })
  assert.deepEqual([notParty.status, notParty.body.code], [403, 'FORBIDDEN'])
  assert.equal((await stranger.get(`/api/bookings/${booking.id}/reviews`)).status, 403)
  assert.equal((await stranger.post('/api/bookings/999999/reviews', { rating: 1, comment: 'x' })).status, 404)

  const url = `/api/bookings/${booking.id}/reviews`
  for (const [body, field, words] of [
    [{ rating: 0, comment: 'ok' }, 'rating', /The rating must be/],
    [{ rating: 6, comment: 'ok' }, 'rating', /The rating must be/],
    [{ rating: 4.5, comment: 'ok' }, 'rating', /The rating must be/],
    [{ rating: '5', comment: 'ok' }, 'rating', /The rating must be/],
    [{ comment: 'ok' }, 'rating', /rating/],
    [{ rating: 5 }, 'comment', /review/],
    [{ rating: 5, comment: '' }, 'comment', /The review/],
    [{ rating: 5, comment: ' \n ' }, 'comment', /^The review must not be empty\.$/],
    [{ rating: 5, comment: 'x'.repeat(2001) }, 'comment', /at most 2000 characters long \(it has 2001\)/],
    [{ rating: 5, comment: 'pay \u202Eevil' }, 'comment', /U\+202E/],
    [{ rating: 5, comment: 'ok', stars: 5 }, 'stars', /./]
  ] as Array<[Record<string, unknown>, string, RegExp]>) {
    const reply = await traveler.post(url, body)
    assert.equal(reply.status, 400, JSON.stringify(body))
    assert.equal(reply.body.code, 'VALIDATION_ERROR')
    assert.match(reply.body.message, words, JSON.stringify(reply.body))
    assert.doesNotMatch(reply.body.message, /_/, 'no wire names in the sentence')
    assert.equal(reply.body.details[0].field, field, JSON.stringify(reply.body))
  }
  assert.equal(await count('SELECT count(*)::int AS n FROM reviews'), before)
})

test('a place\'s page: the average, and its guests\' reviews newest first, paged; the host replies once, publicly; no one else can', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const property = await listProperty(owner, { name: 'Casa Paged' })
  const written: number[] = []
  for (const [i, rating] of [5, 3, 4].entries()) {
    const traveler = await signUp(stack.url, 'traveler', `Guest ${i}`)
    const booking = await book(traveler, property.id, 30 + i * 5, 2)
    assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
    await endedAgo(booking.id, 10 - i * 4)
    written.push((await review(traveler, booking.id, rating, `Stay ${i}`)).review.id)
    await review(owner, booking.id, 5, `Guest ${i} was great`)
  }
  const anyone = new Client(stack.url)
  const first = (await anyone.get(`/api/properties/${property.id}/reviews?limit=2`)).body
  assert.deepEqual(first.rating, { average: 4, count: 3 })
  assert.deepEqual(first.reviews.map((r: any) => r.comment), ['Stay 2', 'Stay 1'])
  const second = (await anyone.get(`/api/properties/${property.id}/reviews?limit=2&cursor=${first.next_cursor}`)).body
  assert.deepEqual(second.reviews.map((r: any) => r.comment), ['Stay 0'])
  assert.equal(second.next_cursor, null)
  assert.equal((await anyone.get(`/api/properties/${property.id}/reviews?cursor=made-up`)).status, 400)
  assert.equal((await anyone.get('/api/properties/999999/reviews')).status, 404)

  const replied = await owner.post(`/api/reviews/${written[0]}/reply`, { reply: 'Thank you, come back soon!' })
  assert.equal(replied.status, 200, JSON.stringify(replied.body))
  assert.equal(replied.body.review.reply, 'Thank you, come back soon!')
  const twice = await owner.post(`/api/reviews/${written[0]}/reply`, { reply: 'Again' })
  assert.deepEqual([twice.status, twice.body.code], [409, 'ALREADY_REPLIED'])
  const guest = await signUp(stack.url, 'traveler', 'Nosy')
  assert.equal((await guest.post(`/api/reviews/${written[1]}/reply`, { reply: 'Me too' })).status, 403)
  assert.equal((await owner.post(`/api/reviews/${written[1]}/reply`, { reply: '' })).status, 400)
  assert.equal((await owner.post('/api/reviews/999999/reply', { reply: 'Hello' })).status, 404)
  const shown = (await anyone.get(`/api/properties/${property.id}/reviews?limit=5`)).body.reviews
  assert.equal(shown.find((r: any) => r.id === written[0]).reply, 'Thank you, come back soon!')

  // A guest's review still waiting for the host: not on the page, and the host cannot reply to it (it does not exist for them).
  const waiting = await pastStay()
  const lone = await review(waiting.traveler, waiting.booking.id, 1, 'Hidden for now')
  assert.equal((await waiting.owner.post(`/api/reviews/${lone.review.id}/reply`, { reply: 'Hm' })).status, 404)
  assert.equal((await anyone.get(`/api/properties/${waiting.property.id}/reviews`)).body.reviews.length, 0)
})

test('search sorts by the guests\' average rating, highest first, places without reviews last', async () => {
  const city = `Ratingham${Date.now().toString(36)}`
  const owner = await signUp(stack.url, 'owner', 'Olivia')
  const places = []
  for (const name of ['Unrated', 'Two stars', 'Five stars']) places.push(await listProperty(owner, { name, city }))
  for (const [place, rating] of [[places[1], 2], [places[2], 5]] as const) {
    const traveler = await signUp(stack.url, 'traveler', 'Rater')
    const booking = await book(traveler, place.id, 30, 2)
    assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
    await endedAgo(booking.id, 1)
    await review(traveler, booking.id, rating, 'Rated.')
    await review(owner, booking.id, 5, 'Fine guest.')
  }
  const anyone = new Client(stack.url)
  const found = await anyone.get(`/api/properties/search?location=${city}&sort=rating`)
  assert.equal(found.status, 200, JSON.stringify(found.body))
  assert.deepEqual(found.body.properties.map((p: any) => p.name), ['Five stars', 'Two stars', 'Unrated'])
  assert.deepEqual(found.body.properties.map((p: any) => p.rating), [{ average: 5, count: 1 }, { average: 2, count: 1 }, { average: null, count: 0 }])
  assert.deepEqual((await anyone.get(`/api/properties/${places[2].id}`)).body.property.rating, { average: 5, count: 1 })
  const walked = await anyone.get('/api/properties/search?sort=rating&limit=100')
  assert.equal(walked.status, 200)
  const names = walked.body.properties.map((p: any) => p.name)
  assert.ok(names.indexOf('Five stars') < names.indexOf('Two stars') && names.indexOf('Two stars') < names.indexOf('Unrated'), names.join())
})

test('the same record delivered twice makes one notification and one e-mail', async () => {
  const { owner, traveler, booking } = await pastStay()
  await review(owner, booking.id, 4, 'Fine guest.')
  await review(traveler, booking.id, 4, 'Fine place.')
  const records = await waitFor('both records', () => { const r = stack.recorder.forKey(TOPIC, booking.id); return r.length === 2 ? r : undefined })
  const toHost = records.find(r => JSON.parse(r.value).subject_id === owner.user!.id)!
  await caughtUp()
  await waitFor('the host\'s e-mail', () => reviewMails(owner).length === 1)
  const producer = createProducer(stack.brokers, 'test-duplicator')
  await producer.send({ messages: [{ topic: toHost.topic, key: toHost.key, value: toHost.value, headers: toHost.headers }] })
  await producer.close()
  await waitFor('the copy in the topic', () => stack.recorder.forKey(TOPIC, booking.id).length === 3)
  await caughtUp()
  assert.equal(await reviewNotifications(owner.user!.id), 1)
  assert.equal(reviewMails(owner).length, 1)
  assert.equal(await count("SELECT count(*)::int AS n FROM email_messages WHERE recipient_id = $1 AND kind = 'review_published'", [owner.user!.id]), 1)
})

test('poison goes to review-published.dlq: an unreadable record from every group reading it, a forged event Hostly never wrote from both review groups', async () => {
  const { owner, traveler, booking } = await pastStay()
  await review(owner, booking.id, 4, 'Fine guest.')
  await review(traveler, booking.id, 4, 'Fine place.')
  const [real] = await waitFor('the records', () => { const r = stack.recorder.forKey(TOPIC, booking.id); return r.length === 2 ? r : undefined })
  const forged = JSON.stringify({ ...JSON.parse(real.value), rating: 1 })
  const producer = createProducer(stack.brokers, 'test-forger')
  await producer.send({
    messages: [
      { topic: TOPIC, key: 'poison-1', value: 'not json', headers: { 'event-id': crypto.randomUUID(), 'event-type': TOPIC, 'event-version': '1' } },
      { topic: TOPIC, key: String(booking.id), value: forged, headers: { 'event-id': crypto.randomUUID(), 'event-type': TOPIC, 'event-version': '1' } }
    ]
  })
  await producer.close()
  // The unreadable record by every group that reads the topic (analytics too); the forgery by the two that check
  // events against the database (analytics counts from the events alone, docs/events.md).
  const unreadable = await waitFor('the unreadable record dead-lettered by three groups', () => {
    const letters = stack.recorder.forKey(deadLetterTopic(TOPIC), 'poison-1')
    return letters.length >= 3 ? letters : undefined
  })
  assert.ok(unreadable.every(r => /not valid JSON/.test(r.headers['error-message'])))
  assert.deepEqual(unreadable.map(r => r.headers['consumer-group']).sort(), [...GROUPS, 'analytics-service-group'].sort())
  const forgeries = await waitFor('the forgery dead-lettered by both review groups', () => {
    const letters = stack.recorder.forKey(deadLetterTopic(TOPIC), booking.id)
    return letters.length >= 2 ? letters : undefined
  })
  assert.ok(forgeries.every(r => /was never recorded by Hostly/.test(r.headers['error-message'])))
  assert.deepEqual(forgeries.map(r => r.headers['consumer-group']).sort(), [...GROUPS].sort())
  await caughtUp()
  assert.equal(await reviewNotifications(owner.user!.id), 1, 'the forgeries told no one')
})

const ANALYTICS = 'analytics-service-group'
const analyticsCaughtUp = () => waitFor('analytics caught up on messages and reviews', async () =>
  await groupCaughtUp(stack.brokers, ANALYTICS, TOPIC) && groupCaughtUp(stack.brokers, ANALYTICS, MESSAGE_TOPICS.sent))

test('analytics counts each property\'s messages and its guests\' average rating, from the events', async () => {
  const { owner, traveler, property, booking } = await pastStay()
  assert.equal((await traveler.post(`/api/bookings/${booking.id}/messages`, { text: 'Thanks for the stay!' })).status, 201)
  assert.equal((await owner.post(`/api/bookings/${booking.id}/messages`, { text: 'Thank you for coming.' })).status, 201)
  await review(traveler, booking.id, 4, 'Good.')
  await review(owner, booking.id, 2, 'Left a mess.')
  await waitFor('both events', () => stack.recorder.forKey(TOPIC, booking.id).length === 2)
  await analyticsCaughtUp()
  const figures = await owner.get(`/api/owner/analytics?property_id=${property.id}`)
  assert.equal(figures.status, 200, JSON.stringify(figures.body))
  const [mine] = figures.body.by_property
  assert.deepEqual([mine.messages, mine.reviews, mine.average_rating], [2, 1, 4], 'the host\'s review of the guest is not the place\'s')
})

test('every review-published record of this run matches docs/asyncapi.yaml: key, headers and payload', async () => {
  const contract = await loadContract()
  const records = stack.recorder.records.filter(r => r.topic === TOPIC && r.key !== 'poison-1')
  assert.ok(records.length >= 10)
  assert.deepEqual(records.map(r => recordProblems(contract, r)).filter(p => p.length > 0), [])
})

test('hostly dlq lists review-published dead letters; replaying review-published from the beginning adds nothing', async () => {
  const env = { DATABASE_URL: stack.databaseUrl, KAFKA_BROKERS: stack.brokers.join(','), KAFKA_PREFIX: stack.config.kafkaPrefix, LOG_LEVEL: 'warn' }
  const listed = await run(['dlq', 'list', TOPIC], env)
  assert.equal(listed.code, 0, listed.stderr)
  assert.match(listed.stdout, /not valid JSON|never recorded/)

  await caughtUp()
  const snapshot = async () => ({
    notifications: await count("SELECT count(*)::int AS n FROM notifications WHERE type = 'review_published'"),
    emails: await count("SELECT count(*)::int AS n FROM email_messages WHERE kind = 'review_published'"),
    mails: sink.received.length,
    talk: (await stack.db.query('SELECT * FROM analytics_talk ORDER BY property_id')).rows
  })
  await analyticsCaughtUp()
  const before = await snapshot()
  assert.ok(before.notifications >= 10)
  assert.ok(before.talk.length >= 5)
  await stack.stopPieces()
  // The analytics figures of messages and reviews rebuilt from nothing, as operations.md says (booking figures apart).
  await stack.db.query('TRUNCATE analytics_talk')
  await stack.db.query('DELETE FROM processed_events WHERE consumer_group = $1 AND event_id IN (SELECT event_id FROM outbox WHERE topic = ANY($2))',
    [ANALYTICS, [TOPIC, MESSAGE_TOPICS.sent]])
  for (const [group, topic] of [...GROUPS.map(g => [g, TOPIC]), [ANALYTICS, TOPIC], [ANALYTICS, MESSAGE_TOPICS.sent]]) {
    await waitFor(`${group} to be empty`, async () => {
      const admin = createAdmin(stack.brokers, 'test-groups')
      try {
        return (await admin.describeGroups({ groups: [kafkaName(group)] })).get(kafkaName(group))?.members.size === 0
      } finally {
        await admin.close()
      }
    })
    const replayed = await run(['replay', '--group', group, '--topic', topic, '--from-beginning'], env)
    assert.equal(replayed.code, 0, replayed.stderr)
  }
  await stack.startPieces()
  await caughtUp()
  await analyticsCaughtUp()
  assert.deepEqual(await snapshot(), before)
})
