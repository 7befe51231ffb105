import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page, WebSocketRoute } from 'playwright-core'
import { book, listProperty, signUp } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import type { Pieces } from '../../src/services.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { stay, waitFor } from '../helpers/wait.ts'
import { launch, person, screenshot } from './browser.ts'

// The seed's flow with two people side by side, each in their own browser context, against the real stack
// (API, relay, Kafka, consumers): what one does reaches the other's open page over the live socket
// (docs/http.md), with no reload. And a socket that drops catches up from ?after= when it comes back.

let stack: Stack
let browser: Browser

before(async () => {
  const pieces = { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler'] } satisfies Pieces
  stack = await startStack({ pieces, env: { WEB_DIST: join(ROOT, 'web/dist') } })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

/** Marks the page's window: if the page reloads, the mark is gone. */
const markPage = (page: Page) => page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true })
const stillSamePage = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true)

async function signUpInBrowser (page: Page, role: 'owner' | 'traveler', name: string) {
  await page.goto('/signup')
  await page.getByLabel(role === 'owner' ? 'host travelers' : 'find places to stay').check()
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('E-mail').fill(`${role}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`)
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(role === 'owner' ? /\/owner\/properties$/ : /\/$/)
}

test('two people side by side: the request reaches the owner\'s open page, the answer reaches the traveler\'s, the overlapping request shows cancelled', async () => {
  const owner = await person(browser, stack.url)
  const traveler = await person(browser, stack.url)

  // The owner signs up, lists a place, and leaves the Requests page open.
  await signUpInBrowser(owner.page, 'owner', 'Olivia Owner')
  await owner.page.goto('/owner/properties')
  await owner.page.getByRole('button', { name: 'Add a property' }).click()
  const fields: Record<string, string> = { Name: 'Sintra Garden House', City: 'Sintra', 'State or region': 'Lisboa', Country: 'Portugal', 'Price per night (€)': '95', 'Guests at most': '4', Amenities: 'wifi, garden' }
  for (const [label, value] of Object.entries(fields)) await owner.page.getByLabel(label).fill(value)
  await owner.page.getByRole('button', { name: 'List this property' }).click()
  await owner.page.getByRole('link', { name: 'Sintra Garden House' }).waitFor()
  await owner.page.getByRole('link', { name: 'Requests' }).click()
  await owner.page.getByText('No request is waiting').waitFor()
  await markPage(owner.page)

  // The traveler searches with dates and guests, opens the place, sees nights × price, and asks.
  await signUpInBrowser(traveler.page, 'traveler', 'Tina Traveler')
  const { start_date: start, end_date: end } = stay(30, 3)
  await traveler.page.getByLabel('Where').fill('sintra')
  await traveler.page.getByLabel('Check-in').fill(start)
  await traveler.page.getByLabel('Check-out').fill(end)
  await traveler.page.getByLabel('Guests').fill('2')
  await traveler.page.getByRole('button', { name: 'Search' }).click()
  await traveler.page.getByRole('link', { name: 'Sintra Garden House' }).click()
  const price = traveler.page.getByLabel('Price of the stay')
  await price.getByText('3 nights × €95.00').waitFor()
  assert.match(await price.innerText(), /Total\s+€285\.00/)
  await traveler.page.getByRole('button', { name: 'Request to book' }).click()
  await traveler.page.getByRole('heading', { name: 'Request sent' }).waitFor()
  await traveler.page.getByRole('link', { name: 'See my trips' }).click()
  const trip = traveler.page.locator('[data-booking]')
  await trip.locator('[data-status="pending"]').waitFor()
  await markPage(traveler.page)

  // The owner's open page shows it, without a reload; the bell counts it.
  const first = owner.page.locator('[data-booking]', { hasText: 'Tina Traveler' })
  await first.locator('[data-status="pending"]').waitFor({ timeout: 15_000 })
  await owner.page.getByTestId('unread-count').getByText('1').waitFor({ timeout: 15_000 })

  // A second traveler asks for overlapping dates: it appears too.
  const otto = await signUp(stack.url, 'traveler', 'Otto Other')
  const property = (await stack.db.query('SELECT id FROM properties WHERE name = $1', ['Sintra Garden House'])).rows[0]
  const overlapping = await otto.post('/api/bookings', { property_id: property.id, ...stay(31, 3), num_guests: 2 })
  assert.equal(overlapping.status, 201)
  const second = owner.page.locator('[data-booking]', { hasText: 'Otto Other' })
  await second.locator('[data-status="pending"]').waitFor({ timeout: 15_000 })
  await screenshot(owner.page, 'requests-two-pending')

  // The owner accepts the first: it shows accepted, the overlapping one cancelled, on the owner's page…
  await first.getByRole('button', { name: /^Accept/ }).click()
  await first.locator('[data-status="accepted"]').waitFor()
  await second.locator('[data-status="cancelled"]').waitFor()
  await second.getByText(/overlap the stay you accepted/).waitFor()
  await screenshot(owner.page, 'requests-answered')
  // …and on the traveler's open page, without a reload, with the bell counting the news.
  await trip.locator('[data-status="accepted"]').waitFor({ timeout: 15_000 })
  await traveler.page.getByTestId('unread-count').getByText('1').waitFor({ timeout: 15_000 })
  assert.equal(await stillSamePage(owner.page), true, 'the owner\'s page never reloaded')
  assert.equal(await stillSamePage(traveler.page), true, 'the traveler\'s page never reloaded')
  await screenshot(traveler.page, 'trips-live')

  // The inbox shows the answer; marking it read empties the bell.
  await traveler.page.getByRole('link', { name: /^Notifications: 1 unread/ }).click()
  const note = traveler.page.locator('[data-notification]').first()
  await note.getByText(/accepted/i).waitFor()
  await note.getByRole('button', { name: 'Mark read' }).click()
  await traveler.page.getByText('All read.').waitFor()
  assert.equal(await traveler.page.getByTestId('unread-count').count(), 0)
  assert.deepEqual([...owner.problems, ...traveler.problems], [])
  await owner.context.close()
  await traveler.context.close()
})

test('a dropped live socket reconnects with ?after=<last id> and receives, once, what was written while it was down', async () => {
  const owner = await signUp(stack.url, 'owner')
  const tina = await signUp(stack.url, 'traveler', 'Tina Traveler')
  const property = await listProperty(owner, { name: 'Cascais Flat', city: 'Cascais' })
  const kept = await book(tina, property.id, 50, 2)
  const dropped = await book(tina, property.id, 60, 2)
  await owner.post(`/api/bookings/${kept.id}/accept`)
  const rows = async () => (await stack.db.query<{ id: number, message: string }>('SELECT id, message FROM notifications WHERE user_id = $1 ORDER BY id', [tina.user!.id])).rows
  const [n1] = await waitFor('the acceptance notification', async () => { const r = await rows(); return r.length === 1 ? r : undefined })

  // The traveler's page, with its live socket passed through a route the test can cut, and hold on its way back.
  const { page, context, problems } = await person(browser, stack.url)
  const [name, value] = tina.cookie.split('=')
  await context.addCookies([{ name, value, url: stack.url }])
  const urls: string[] = []
  const sockets: Array<{ page: WebSocketRoute, server: WebSocketRoute }> = []
  let release!: () => void
  const released = new Promise<void>(resolve => { release = resolve })
  await page.routeWebSocket(/\/api\/live/, async ws => {
    urls.push(ws.url())
    if (urls.length > 1) await released
    sockets.push({ page: ws, server: ws.connectToServer() })
  })
  await page.goto('/inbox')
  await page.locator('[data-notification]', { hasText: n1.message }).waitFor()
  await waitFor('the first socket', () => sockets.length === 1)
  assert.match(urls[0], new RegExp(`after=${n1.id}$`))

  // The socket drops; while the page waits to reconnect, the owner cancels the other stay.
  await sockets[0].server.close()
  await sockets[0].page.close({ code: 4000, reason: 'dropped by the test' })
  await waitFor('the page trying again', () => urls.length === 2)
  await owner.post(`/api/bookings/${dropped.id}/cancel`)
  const [, n2] = await waitFor('the cancellation notification', async () => { const r = await rows(); return r.length === 2 ? r : undefined })
  release()

  // Back: asked from the last id it had, the page gets the one written meanwhile, once.
  assert.match(urls[1], new RegExp(`after=${n1.id}$`))
  await page.locator('[data-notification]', { hasText: n2.message }).waitFor({ timeout: 15_000 })
  await page.getByTestId('unread-count').getByText('2').waitFor()
  assert.equal(await page.locator(`[data-notification="${n2.id}"]`).count(), 1)
  assert.deepEqual(problems, [])
  await context.close()
})
