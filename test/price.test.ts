import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Client, listProperty } from './helpers/http.ts'
import { CAST, type Stack, stackWithPeople } from './helpers/stack.ts'
import { stay } from './helpers/wait.ts'

// The itemized price (issue 18): nights × nightly price, a cleaning fee, taxes at the property's rate, in its
// currency; quoted before requesting and stored on the booking by the same SQL (stay_price()), exact decimal
// strings throughout; taxes rounded half-up to the currency's minor unit.

let stack: Stack
let owner: Client, traveler: Client
before(async () => { ({ stack, owner, traveler } = await stackWithPeople({ kafka: false }, { owner: CAST.owner, traveler: CAST.traveler })) })
after(async () => { await stack?.stop() })

const quote = (id: number, inDays: number, nights: number) => {
  const s = stay(inDays, nights)
  return new Client(stack.url).get(`/api/properties/${id}/quote?start_date=${s.start_date}&end_date=${s.end_date}`)
}

test('the quote itemizes, and the booking stores exactly the quote; a later price change leaves the booking as it was', async () => {
  const p = await listProperty(owner, { price_per_night: 100, cleaning_fee: 30, tax_rate: 7.5, currency: 'EUR' }) as { id: number } & Record<string, unknown>
  assert.deepEqual([p.cleaning_fee, p.tax_rate], [30, 7.5])
  const q = await quote(p.id, 20, 3)
  assert.equal(q.status, 200, JSON.stringify(q.body))
  const expected = { nights: 3, nightly_price: '100.00', nights_total: '300.00', cleaning_fee: '30.00', tax_rate: '7.50', taxes: '24.75', total: '354.75' }
  assert.deepEqual(q.body, { currency: 'EUR', price: expected })

  const res = await traveler.post('/api/bookings', { property_id: p.id, ...stay(20, 3), num_guests: 1 })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  assert.deepEqual(res.body.booking.price, expected)
  assert.equal(res.body.booking.total_price, 354.75)
  const { rows: [row] } = await stack.db.query('SELECT total_price::text, nightly_price::text, cleaning_fee::text, tax_rate::text, taxes::text FROM bookings WHERE id = $1', [res.body.booking.id])
  assert.deepEqual(row, { total_price: '354.75', nightly_price: '100.00', cleaning_fee: '30.00', tax_rate: '7.50', taxes: '24.75' })

  await owner.request('PATCH', `/api/properties/${p.id}`, { price_per_night: 200, cleaning_fee: 50, tax_rate: 20 })
  assert.deepEqual((await traveler.get(`/api/bookings/${res.body.booking.id}`)).body.booking.price, expected)
  assert.equal((await quote(p.id, 20, 3)).body.price.total, '780.00') // (600 + 50) × 1.2
})

test('taxes round half-up to the minor unit: 10 % of 10.05 is 1.01; of ¥12,345 is ¥1,235 (no minor unit)', async () => {
  const cents = await listProperty(owner, { price_per_night: 10.05, tax_rate: 10 })
  assert.deepEqual((await quote(cents.id, 10, 1)).body.price, { nights: 1, nightly_price: '10.05', nights_total: '10.05', cleaning_fee: '0.00', tax_rate: '10.00', taxes: '1.01', total: '11.06' })
  const yen = await listProperty(owner, { price_per_night: 12345, tax_rate: 10, currency: 'JPY' })
  const q = await quote(yen.id, 10, 1)
  assert.equal(q.body.currency, 'JPY')
  assert.deepEqual([q.body.price.taxes, q.body.price.total], ['1235.00', '13580.00'])
  // Large and exact: 365 nights at the highest price, the highest fee and rate.
  const dear = await listProperty(owner, { price_per_night: 999_999.99, cleaning_fee: 1_000_000, tax_rate: 100 })
  assert.deepEqual([(await quote(dear.id, 10, 365)).body.price.total], ['731999992.70'])
})

test('a booking made before the items were kept reads as the nights alone', async () => {
  const p = await listProperty(owner, { price_per_night: 80 })
  const res = await traveler.post('/api/bookings', { property_id: p.id, ...stay(30, 2), num_guests: 1 })
  await stack.db.query('UPDATE bookings SET nightly_price = NULL, cleaning_fee = NULL, tax_rate = NULL, taxes = NULL WHERE id = $1', [res.body.booking.id])
  assert.deepEqual((await traveler.get(`/api/bookings/${res.body.booking.id}`)).body.booking.price,
    { nights: 2, nightly_price: '80.00', nights_total: '160.00', cleaning_fee: '0.00', tax_rate: '0.00', taxes: '0.00', total: '160.00' })
})

test('bad inputs: quote dates and fee and rate bounds are 400s in words; no such property 404', async () => {
  const p = await listProperty(owner)
  const s = stay(10, 2)
  const base = `/api/properties/${p.id}/quote`
  for (const qs of [`start_date=${s.end_date}&end_date=${s.start_date}`, `start_date=${stay(-3, 1).start_date}&end_date=${s.end_date}`,
    `start_date=${s.start_date}`, `start_date=${s.start_date}&end_date=${stay(10, 400).end_date}`, 'start_date=soon&end_date=later']) {
    const res = await new Client(stack.url).get(`${base}?${qs}`)
    assert.equal(res.status, 400, `${qs}: ${JSON.stringify(res.body)}`)
    assert.doesNotMatch(res.body.message, /_/)
  }
  assert.equal((await new Client(stack.url).get(`/api/properties/9000000/quote?start_date=${s.start_date}&end_date=${s.end_date}`)).status, 404)
  for (const [field, value] of [['cleaning_fee', -1], ['cleaning_fee', 0.001], ['tax_rate', 100.01], ['tax_rate', 7.125], ['tax_rate', '7']] as const) {
    const res = await owner.request('PATCH', `/api/properties/${p.id}`, { [field]: value })
    assert.equal(res.status, 400, `${field} ${value}`)
    assert.equal(res.body.details[0].field, field)
  }
})
