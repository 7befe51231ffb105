import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { book, listProperty, signUp } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { accessibilityProblems, DESKTOP, launch, PHONE, screenshot, signedIn } from './browser.ts'

// Issue 18's calendar and the owner's listing controls, in chromium against the real stack, at 1280 and 390 px:
// a traveler picks a stay on the property page's calendar, by mouse and by keyboard, where nights under the
// minimum and across a taken or blocked night cannot be picked; an owner edits a listing, unlists and relists it,
// blocks nights and unblocks them.

let stack: Stack
let browser: Browser
before(async () => {
  stack = await startStack({ kafka: false, env: { WEB_DIST: join(ROOT, 'web/dist') } })
  browser = await launch()
})
after(async () => {
  await browser?.close()
  await stack?.stop()
})

/** The first of next month (UTC), and a day `n` days after it, YYYY-MM-DD. */
const now = new Date()
const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
const day = (n: number) => new Date(first.getTime() + n * 86_400_000).toISOString().slice(0, 10)
const night = (page: Page, n: number) => page.locator(`.calendar button[data-date="${day(n)}"]`)
const disabled = async (page: Page, n: number) => (await night(page, n).getAttribute('aria-disabled')) === 'true'

for (const viewport of [DESKTOP, PHONE]) {
  const size = viewport === DESKTOP ? 'desktop' : 'phone'

  test(`${size}: the calendar shows taken and blocked nights, refuses nights under the minimum or across them, and fills the request`, async () => {
    const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
    const traveler = await signUp(stack.url, 'traveler', 'Lea Traveler')
    const place = await listProperty(owner, { name: 'Alfama Loft', min_nights: 2, house_rules: 'No parties, please.', cleaning_fee: 25, tax_rate: 10 })
    const res = await traveler.post('/api/bookings', { property_id: place.id, start_date: day(10), end_date: day(13), num_guests: 1 })
    assert.equal((await owner.post(`/api/bookings/${res.body.booking.id}/accept`)).status, 200)
    assert.equal((await owner.post(`/api/properties/${place.id}/blocks`, { start_date: day(20), end_date: day(22) })).status, 201)

    const { page, problems } = await signedIn(browser, stack.url, traveler, viewport)
    await page.goto(`/property/${place.id}`)
    await page.getByRole('heading', { name: 'House rules' }).waitFor()
    await page.getByRole('button', { name: 'Next month' }).click()
    const grid = page.getByRole('grid')
    await grid.waitFor()
    assert.match(await night(page, 11).getAttribute('aria-label') ?? '', /, taken$/)
    assert.match(await night(page, 20).getAttribute('aria-label') ?? '', /, blocked by the owner$/)
    assert.ok(await disabled(page, 11), 'a taken night cannot start a stay')
    assert.ok(await disabled(page, 21), 'a blocked night cannot start a stay')

    // By mouse: check-in on day 3; then day 4 is under the minimum, 10 (the taken stay's check-in morning) is the
    // last possible check-out, 14 is across the taken nights.
    await night(page, 3).click()
    assert.equal(await page.getByLabel('Check-in', { exact: true }).inputValue(), day(3))
    assert.ok(await disabled(page, 4), 'one night is under the minimum of two')
    assert.ok(!(await disabled(page, 5)))
    assert.ok(!(await disabled(page, 10)), 'check-out the morning a taken stay begins')
    assert.ok(await disabled(page, 14), 'across a taken night')
    await night(page, 14).click({ force: true }) // aria-disabled: refused, nothing changes
    assert.equal(await page.getByLabel('Check-out', { exact: true }).inputValue(), '')
    await screenshot(page, 'listing-calendar-picking')

    // By keyboard: from day 3, two steps right and Enter picks day 5 as the check-out.
    await night(page, 3).focus()
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-date')), day(5))
    await page.keyboard.press('Enter')
    assert.equal(await page.getByLabel('Check-out', { exact: true }).inputValue(), day(5))
    assert.match(await night(page, 5).getAttribute('aria-label') ?? '', /check-out$/)
    // Down a week from day 5: day 12, taken; focus moves there all the same (it reads "taken").
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-date')), day(12))
    await page.keyboard.press('PageDown')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-date')), new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1)).toISOString().slice(0, 10))
    await page.keyboard.press('PageUp')

    // The itemized price of 2 nights: 2 × €120.50 = €241.00, the €25.00 fee, 10 % of €266.00 in taxes.
    const quote = page.getByRole('definition').filter({ hasText: '€292.60' })
    await quote.waitFor()
    const lines = await page.locator('[aria-label="Price of the stay"] div').allInnerTexts()
    assert.deepEqual(lines.map(l => l.replace(/\s+/g, ' ')), ['2 nights × €120.50 €241.00', 'Cleaning fee €25.00', 'Taxes (10 %) €26.60', 'Total €292.60'])

    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'listing-calendar-picked')
    await page.getByRole('button', { name: 'Request to book' }).click()
    await page.getByRole('heading', { name: 'Request sent' }).waitFor()
    await page.getByRole('link', { name: 'See the booking' }).click()
    await page.locator('[aria-label="Price, as requested"]').getByText('€26.60').waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'listing-booking-price')
    assert.deepEqual(problems, [])
  })

  test(`${size}: an owner edits a listing, unlists and relists it, blocks nights and unblocks them`, async () => {
    const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
    const traveler = await signUp(stack.url, 'traveler', 'Lea Traveler')
    const place = await listProperty(owner, { name: 'Graça Flat' })
    const pending = await book(traveler, place.id, 40, 2)
    const { page, problems } = await signedIn(browser, stack.url, owner, viewport)
    await page.goto('/owner/properties')
    const card = page.locator('.property-card', { hasText: 'Graça Flat' })

    await card.getByRole('button', { name: 'Edit' }).click()
    await card.getByLabel('Name').fill('Graça Flat with a View')
    await card.getByLabel('Fewest nights').fill('3')
    await card.getByLabel('House rules').fill('Shoes off inside.')
    await card.getByLabel('Check-in from').fill('16:00')
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'listing-owner-edit')
    await card.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('link', { name: 'Graça Flat with a View' }).waitFor()
    const saved = (await owner.get(`/api/properties/${place.id}`)).body.property
    assert.deepEqual([saved.name, saved.min_nights, saved.house_rules, saved.check_in_time], ['Graça Flat with a View', 3, 'Shoes off inside.', '16:00'])

    await card.getByRole('button', { name: 'Unlist' }).click()
    await card.getByText('Unlisted: out of search, taking no new requests.').waitFor()
    const t = await signedIn(browser, stack.url, traveler, viewport)
    await t.page.goto(`/property/${place.id}`)
    await t.page.getByText('This place is not taking requests right now: its owner has unlisted it.').waitFor()
    assert.equal(await t.page.getByRole('button', { name: 'Request to book' }).count(), 0)
    await screenshot(t.page, 'listing-unlisted')
    await card.getByRole('button', { name: 'List again' }).click()
    await card.getByRole('button', { name: 'Unlist' }).waitFor()

    await card.getByRole('button', { name: 'Blocked dates' }).click()
    await card.getByText('No dates blocked.').waitFor()
    await card.getByLabel('First night').fill(pending.start_date)
    await card.getByLabel('Until the morning of').fill(pending.end_date)
    await card.getByLabel('Note (only you see it)').fill('Painting')
    await card.getByRole('button', { name: 'Block these dates' }).click()
    await card.getByText('1 pending request over those nights was declined; the guests are told.').waitFor()
    await card.getByText('· Painting').waitFor()
    assert.equal((await traveler.get(`/api/bookings/${pending.id}`)).body.booking.reason, 'owner_declined')
    // Blocking the same nights again: the API's sentence, beside the first date.
    await card.getByLabel('First night').fill(pending.start_date)
    await card.getByLabel('Until the morning of').fill(pending.end_date)
    await card.getByRole('button', { name: 'Block these dates' }).click()
    await card.getByText('Some of these nights are blocked already; unblock that block first, or block the nights around it.').waitFor()
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'listing-owner-blocks')
    await card.getByRole('button', { name: /^Unblock / }).click()
    await card.getByText('No dates blocked.').waitFor()
    assert.deepEqual((await owner.get(`/api/properties/${place.id}/blocks`)).body.blocks, [])
    assert.deepEqual(problems, [])
    assert.deepEqual(t.problems, [])
  })
}
