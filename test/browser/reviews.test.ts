import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { closeReviewWindows } from '../../src/reviews/window.ts'
import { ROOT } from '../helpers/processes.ts'
import { smtpSink } from '../helpers/smtp.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Reviews in the web app (issue 19), in chromium against the real stack with the review service: after a stay, the
// guest reviews from the booking page with the keyboard (the rating is a radio group), the host sees no review until
// writing theirs, then both see both, live; the place's page shows the average and the guests' reviews, and the host
// replies in public. At 1280 and 390 px wide.

let stack: Stack
let browser: Browser
let sink: Awaited<ReturnType<typeof smtpSink>>

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'reviews', 'email'] },
    env: { WEB_DIST: join(ROOT, 'web/dist'), SMTP_URL: sink.url }
  })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
  await sink?.stop()
})

const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

async function axeClean (page: Page, what: string) {
  assert.deepEqual(await accessibilityProblems(page), [], what)
}

/** An accepted stay at a new place that ended two days ago. */
async function pastStay (place: string) {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const guest = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const property = await listProperty(owner, { name: place, city: 'Lisbon' })
  const b = await book(guest, property.id, 30, 3)
  assert.equal((await owner.post(`/api/bookings/${b.id}/accept`)).status, 200)
  await stack.db.query(`UPDATE bookings SET start_date = (now() AT TIME ZONE 'UTC')::date - 5, end_date = (now() AT TIME ZONE 'UTC')::date - 2
                         WHERE id = $1`, [b.id])
  return { owner, guest, property, booking: b }
}

test('after a stay: the guest reviews with the keyboard, the host cannot read it until writing theirs, then both see both, live; the place shows it with the host\'s reply', async () => {
  const { owner, guest, property, booking } = await pastStay('Alfama Loft')
  const g = await signedIn(guest)
  await g.page.goto(`/bookings/${booking.id}`)
  await g.page.getByRole('heading', { name: 'Review Olivia Owner' }).waitFor()
  await screenshot(g.page, 'reviews-form')
  await axeClean(g.page, 'the booking page with the review form')

  // The rating by keyboard: into the radio group, then arrows; the words by typing; sent with Enter on the button.
  await g.page.getByRole('radio', { name: /^1 out of 5/ }).focus()
  await g.page.keyboard.press('Space')
  for (let i = 0; i < 3; i++) await g.page.keyboard.press('ArrowRight')
  assert.equal(await g.page.getByRole('radio', { name: /^4 out of 5/ }).isChecked(), true)
  await g.page.keyboard.press('Tab')
  await g.page.keyboard.type('Lovely loft, <b>great</b> view.\nWould come back.')
  await g.page.keyboard.press('Tab')
  await g.page.keyboard.press('Enter')
  await g.page.getByRole('status').filter({ hasText: 'Your review is saved' }).waitFor()
  const mine = g.page.getByRole('article', { name: 'Your review' })
  assert.equal(await mine.locator('.review-text').textContent(), 'Lovely loft, <b>great</b> view.\nWould come back.')
  assert.equal(await mine.locator('.review-text b').count(), 0, 'text, never HTML')
  await screenshot(g.page, 'reviews-saved')

  // The host's page: a form, and no sign of the guest's words.
  const o = await signedIn(owner)
  await o.page.goto(`/bookings/${booking.id}`)
  await o.page.getByRole('heading', { name: 'Review Lea Traveler' }).waitFor()
  assert.equal(await o.page.getByText('Lovely loft').count(), 0, 'double-blind')
  await o.page.getByRole('radio', { name: /^5 out of 5/ }).check()
  await o.page.getByLabel('Your review').fill('A perfect guest.')
  await o.page.getByRole('button', { name: 'Send the review' }).click()
  await o.page.getByRole('article', { name: 'Lea Traveler’s review' }).getByText('Would come back.').waitFor()

  // The guest's open page gets the host's review when it is published (live: the review notification).
  await g.page.getByRole('article', { name: 'Olivia Owner’s review' }).getByText('A perfect guest.').waitFor({ timeout: 15_000 })
  assert.equal(await g.page.getByRole('status').filter({ hasText: 'Your review is saved' }).count(), 0)
  await screenshot(g.page, 'reviews-both')
  await axeClean(g.page, 'the booking page with both reviews')

  // The place's page: the average and the guest's review; the host replies there, once, in public.
  await o.page.goto(`/property/${property.id}`)
  const reviews = o.page.getByRole('region', { name: /Reviews/ })
  await reviews.getByText('4.0 · 1 review').waitFor()
  await reviews.getByRole('button', { name: 'Reply to Lea Traveler' }).click()
  await o.page.getByLabel('Your public reply to Lea Traveler').fill('Thank you, Lea!')
  await o.page.getByRole('button', { name: 'Publish the reply' }).click()
  await reviews.getByText('The host’s reply').waitFor()
  assert.equal(await reviews.getByRole('button', { name: /Reply to/ }).count(), 0, 'once')
  const anyone = await person(browser, stack.url)
  await anyone.page.goto(`/property/${property.id}`)
  await anyone.page.getByText('Thank you, Lea!').waitFor()
  await screenshot(anyone.page, 'reviews-place')
  await axeClean(anyone.page, 'the place\'s page with reviews')

  // Search, best rated first: each card with its rating.
  await anyone.page.goto('/?location=Alfama&sort=rating')
  const card = anyone.page.locator('.property-card', { hasText: 'Alfama Loft' })
  await card.getByRole('img', { name: '4 out of 5' }).waitFor()
  assert.match(await card.locator('.card-rating').textContent() ?? '', /4\.0 \(1 review\)/)
  await screenshot(anyone.page, 'reviews-search-by-rating')
  await axeClean(anyone.page, 'search sorted by rating')
  assert.deepEqual([...g.problems, ...o.problems, ...anyone.problems], [])
  for (const p of [g, o, anyone]) await p.context.close()
})

test('at phone width: a review without a rating is refused beside the stars; the place\'s reviews page on; search sorts by rating', async () => {
  const { owner, guest, property, booking } = await pastStay('Sintra Garden House')
  const g = await signedIn(guest, PHONE)
  await g.page.goto(`/bookings/${booking.id}`)
  await g.page.getByLabel('Your review').fill('Quiet and green.')
  await g.page.getByRole('button', { name: 'Send the review' }).click()
  await g.page.getByRole('alert').filter({ hasText: /rating/i }).waitFor()
  assert.equal(await g.page.getByLabel('Your review').inputValue(), 'Quiet and green.', 'the words stay')
  await screenshot(g.page, 'reviews-no-rating')
  await axeClean(g.page, 'the refusal of a review without a rating')
  await g.page.getByRole('radio', { name: /^5 out of 5/ }).check()
  await g.page.getByRole('button', { name: 'Send the review' }).click()
  await g.page.getByRole('status').filter({ hasText: 'Your review is saved' }).waitFor()
  await screenshot(g.page, 'reviews-saved')

  // Six more one-night stays, each reviewed by its guest alone (through the API), then left until their window closed.
  const today = "(now() AT TIME ZONE 'UTC')::date"
  for (let i = 0; i < 6; i++) {
    const other = await signUp(stack.url, 'traveler', `Guest ${i}`)
    const b = await book(other, property.id, 40 + i * 4, 2)
    assert.equal((await owner.post(`/api/bookings/${b.id}/accept`)).status, 200)
    await stack.db.query(`UPDATE bookings SET start_date = ${today} - 7 - $2::int, end_date = ${today} - 6 - $2::int WHERE id = $1`, [b.id, i])
    assert.equal((await other.post(`/api/bookings/${b.id}/reviews`, { rating: 3 + (i % 3), comment: `Stay number ${i}` })).status, 201)
    await stack.db.query(`UPDATE bookings SET start_date = ${today} - 21 - $2::int, end_date = ${today} - 20 - $2::int WHERE id = $1`, [b.id, i])
  }
  // Their window closed: the sweeper's step publishes them.
  assert.equal(await closeReviewWindows(stack.db), 6)
  const anyone = await person(browser, stack.url, PHONE)
  await anyone.page.goto(`/property/${property.id}`)
  const reviews = anyone.page.getByRole('region', { name: /Reviews/ })
  await reviews.getByText(/Stay number/).first().waitFor()
  assert.equal(await reviews.locator('.review').count(), 5)
  await reviews.getByRole('button', { name: 'Show more reviews' }).click()
  await anyone.page.waitForFunction(() => document.querySelectorAll('.property-reviews .review').length === 6)
  assert.deepEqual((await reviews.locator('.review-text').allTextContents()).sort(), [0, 1, 2, 3, 4, 5].map(i => `Stay number ${i}`))
  assert.equal(await reviews.getByRole('button', { name: 'Show more reviews' }).count(), 0)
  await screenshot(anyone.page, 'reviews-place')
  await axeClean(anyone.page, 'the place\'s reviews at phone width')

  await anyone.page.goto('/?location=Lisbon&sort=rating')
  await anyone.page.getByLabel('Sort by').waitFor()
  assert.equal(await anyone.page.getByLabel('Sort by').inputValue(), 'rating')
  await anyone.page.locator('.property-card', { hasText: 'Sintra Garden House' }).getByText('(6 reviews)').waitFor()
  await screenshot(anyone.page, 'reviews-search-by-rating')
  assert.deepEqual([...g.problems, ...anyone.problems], [])
  for (const p of [g, anyone]) await p.context.close()
})
