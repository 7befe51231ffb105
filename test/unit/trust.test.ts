import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DecodedEvent } from '../../src/kafka/consumer/decode.ts'
import { contradiction, type AnyPayload, type BookingEventFacts } from '../../src/notifications/trust.ts'

// Whether an event agrees with what the database recorded for it, without a database: the facts are given.
// test/security-events.test.ts sends each forged event through a real broker and database.

const recorded = { id: 7, property_id: 3, traveler_id: 5, start_date: '2030-01-10', end_date: '2030-01-12', num_guests: 2, status: 'pending', total_price: 200 }
const EVENT_ID = '0b9d6c1e-52c6-4f7e-9a53-0d2b8b0f8a11'
const facts = (more: Partial<BookingEventFacts> = {}): BookingEventFacts => ({
  event_id: EVENT_ID,
  topic: 'booking-created',
  key: '7',
  payload: JSON.stringify(recorded),
  booking_id: 7,
  property_id: 3,
  traveler_id: 5,
  owner_id: 9,
  property: 'Sea view',
  traveler: 'Ana',
  start_date: '2030-01-10',
  end_date: '2030-01-12',
  num_guests: 2,
  total_price: '200.00',
  currency: 'EUR',
  owner: 'Olivia',
  traveler_locale: 'en',
  traveler_time_zone: 'UTC',
  owner_locale: 'en',
  owner_time_zone: 'UTC',
  own_request_accepted: null,
  account_deleted: null,
  ...more
})
const event = (payload: Record<string, unknown> = {}, topic = 'booking-created'): DecodedEvent<AnyPayload> =>
  ({ id: EVENT_ID, topic, payload: { ...recorded, ...payload } as unknown as AnyPayload })

test('an event exactly as Hostly recorded it is believed', () => {
  assert.equal(contradiction(event(), facts()), undefined)
})

test('an event the outbox never held (or no longer holds) is refused', () => {
  assert.match(contradiction(event(), facts({ topic: null, key: null, payload: null }))!, /was never recorded by Hostly/)
})

test('an event id recorded for another topic or another booking is refused', () => {
  assert.match(contradiction(event({}, 'booking-status-updated'), facts())!, /recorded for booking-created booking 7, not booking-status-updated booking 7/)
  assert.match(contradiction(event({ id: 8 }), facts())!, /recorded for booking-created booking 7, not booking-created booking 8/)
})

test('a booking that no longer exists, or another traveler, is refused', () => {
  assert.match(contradiction(event(), facts({ booking_id: null }))!, /booking 7 does not exist/)
  assert.match(contradiction(event({ traveler_id: 6 }), facts())!, /traveler 6 is not booking 7's traveler/)
})

test('a status other than the recorded one is refused, naming both', () => {
  assert.match(contradiction(event({ status: 'accepted' }), facts())!, /status accepted contradicts event .*recorded with status pending/)
})

test('any other field that differs from the recorded payload is refused, by name', () => {
  assert.match(contradiction(event({ total_price: 1 }), facts())!, /^total_price differs from what Hostly recorded/)
  assert.match(contradiction(event({ end_date: '2030-02-01' }), facts())!, /^end_date differs/)
})
