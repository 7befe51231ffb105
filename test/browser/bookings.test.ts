import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Issue 17's pages about bookings, in chromium against the real stack: the booking page for both parties with a
// confirmed cancel that reaches the other party's open pages live; the Requests page regrouping as answers come;
// My trips in its three groups. Every status is shown with its reason in words.

let stack: Stack
let browser: Browser

before(async () => {
  stack = await startStack({ env: { WEB_DIST: join(ROOT, 'web/dist') } })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

/** A browser context signed in as the API client's user (same session cookie). */
const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

const markPage = (page: Page) => page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true })
const stillSamePage = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true)
/** Whether the focused element is inside the open dialog. */
const focusInDialog = (page: Page) => page.evaluate(() => document.activeElement?.closest('dialog[open]') !== null)

async function ok (reply: Promise<{ status: number, body: unknown }>) {
  const r = await reply
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r
}

test('a traveler cancels an accepted stay with both parties\' pages open: a dialog first, then the owner\'s booking page, Requests and inbox show it live', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const place = await listProperty(owner, { name: 'Alfama Loft', city: 'Lisbon' })
  const b = await book(lea, place.id, 30, 3)
  await ok(owner.post(`/api/bookings/${b.id}/accept`))

  // The owner has the booking's page open in one tab and Requests in another.
  const o = await signedIn(owner)
  await o.page.goto(`/bookings/${b.id}`)
  await o.page.getByRole('heading', { name: /Lea Traveler at Alfama Loft/ }).waitFor()
  await o.page.locator('.title-row [data-status="accepted"]').waitFor()
  await markPage(o.page)
  const requests = await o.context.newPage()
  await requests.goto('/owner/requests')
  await requests.locator(`[data-group="answered"] [data-booking="${b.id}"] [data-status="accepted"]`).waitFor()
  await markPage(requests)

  // Lea opens the same booking: her view, her actions.
  const t = await signedIn(lea)
  await t.page.goto(`/bookings/${b.id}`)
  await t.page.getByRole('heading', { name: /Your stay at Alfama Loft/ }).waitFor()
  await t.page.getByText('Olivia Owner').first().waitFor()
  const cancel = t.page.getByRole('button', { name: 'Cancel stay' })

  // The dialog: says what happens and who is told; Tab stays in it; Escape closes it and nothing changes.
  await cancel.click()
  const dialog = t.page.getByRole('dialog', { name: 'Cancel your stay?' })
  await dialog.waitFor()
  assert.match(await dialog.textContent() ?? '', /Olivia Owner will be told\./)
  await screenshot(t.page, 'booking-confirm')
  for (let i = 0; i < 4; i++) {
    await t.page.keyboard.press('Tab')
    assert.equal(await focusInDialog(t.page), true, `focus left the dialog after ${i + 1} Tab`)
  }
  await t.page.keyboard.press('Shift+Tab')
  assert.equal(await focusInDialog(t.page), true)
  await t.page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  await waitFor('focus back on the button', () => cancel.evaluate(el => el === document.activeElement))
  assert.equal((await lea.get(`/api/bookings/${b.id}`)).body.booking.status, 'accepted', 'Escape cancelled nothing')

  // Confirmed: Lea's page says it at once.
  await cancel.click()
  await dialog.getByRole('button', { name: 'Cancel the stay' }).click()
  await t.page.locator('.title-row [data-status="cancelled"]', { hasText: 'Cancelled by the guest' }).waitFor()

  // The owner's open pages follow without a reload: the booking page with its history, Requests under Answered.
  await o.page.locator('.title-row [data-status="cancelled"]', { hasText: 'Cancelled by the guest' }).waitFor({ timeout: 15_000 })
  await o.page.locator('ol[aria-label="History"] li[data-status="cancelled"]', { hasText: 'Cancelled by the guest (Lea Traveler)' }).waitFor()
  assert.equal(await o.page.getByRole('button', { name: 'Cancel stay' }).count(), 0, 'no action left for the owner')
  await requests.locator(`[data-group="answered"] [data-booking="${b.id}"] [data-status="cancelled"]`, { hasText: 'Cancelled by the guest' }).waitFor({ timeout: 15_000 })
  assert.equal(await stillSamePage(o.page), true)
  assert.equal(await stillSamePage(requests), true)
  await screenshot(o.page, 'booking-owner-cancelled')
  await screenshot(t.page, 'booking-traveler-cancelled')

  // The owner's inbox has it, and its link opens the booking.
  await o.page.goto('/inbox')
  const note = o.page.locator('[data-notification]', { hasText: /cancel/i }).first()
  await note.waitFor({ timeout: 15_000 })
  await note.getByRole('link', { name: 'See the booking' }).click()
  await o.page.waitForURL(new RegExp(`/bookings/${b.id}$`))
  await o.page.locator('.title-row [data-status="cancelled"]').waitFor()
  assert.deepEqual([...o.problems, ...t.problems], [])
  await o.context.close()
  await t.context.close()
})

test('Requests regroups as answers come: the owner\'s own decline and accept, and a withdrawal arriving live', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const tom = await signUp(stack.url, 'traveler', 'Tom Traveler')
  const place = await listProperty(owner, { name: 'Sintra Garden House', city: 'Sintra' })
  const a = await book(lea, place.id, 30, 3)
  const bb = await book(tom, place.id, 40, 3)
  const c = await book(tom, place.id, 50, 2)

  const o = await signedIn(owner)
  await o.page.goto('/owner/requests')
  const waiting = o.page.locator('[data-group="waiting"]')
  const answered = o.page.locator('[data-group="answered"]')
  for (const x of [a, bb, c]) await waiting.locator(`[data-booking="${x.id}"]`).waitFor()
  await o.page.getByText('Nothing answered yet.').waitFor()
  await markPage(o.page)

  // Declined (after the dialog): under Answered at once, with its reason; no longer waiting.
  await waiting.locator(`[data-booking="${a.id}"]`).getByRole('button', { name: /^Decline/ }).click()
  const dialog = o.page.getByRole('dialog')
  assert.match(await dialog.textContent() ?? '', /Lea Traveler will be told\./)
  await dialog.getByRole('button', { name: 'Decline the request' }).click()
  await answered.locator(`[data-booking="${a.id}"] [data-status="cancelled"]`, { hasText: 'Declined by the host' }).waitFor()
  assert.equal(await waiting.locator(`[data-booking="${a.id}"]`).count(), 0)
  assert.equal(await o.page.getByText('Nothing answered yet.').count(), 0)

  // Accepted: no dialog (nothing is lost), moves too.
  await waiting.locator(`[data-booking="${bb.id}"]`).getByRole('button', { name: /^Accept/ }).click()
  await answered.locator(`[data-booking="${bb.id}"] [data-status="accepted"]`).waitFor()

  // Tom withdraws the last one elsewhere: it moves on the owner's open page, live.
  await ok(tom.post(`/api/bookings/${c.id}/cancel`))
  await answered.locator(`[data-booking="${c.id}"] [data-status="cancelled"]`, { hasText: 'Withdrawn' }).waitFor({ timeout: 15_000 })
  assert.equal(await waiting.count(), 0)
  await o.page.getByText('No request is waiting.').waitFor()
  assert.equal(await stillSamePage(o.page), true, 'never reloaded')
  await screenshot(o.page, 'requests-regrouped')
  assert.deepEqual(o.problems, [])
  await o.context.close()
})

test('My trips: upcoming (soonest first), past and cancelled, each cancellation with its reason; a withdrawal moves at once', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const tom = await signUp(stack.url, 'traveler', 'Tom Traveler')
  const loft = await listProperty(owner, { name: 'Harbour Loft', city: 'Lisbon' })
  const house = await listProperty(owner, { name: 'Porto River House', city: 'Porto', price_per_night: 150 })
  const later = await book(lea, loft.id, 60, 2) // pending
  const soon = await book(lea, house.id, 20, 3) // accepted
  await ok(owner.post(`/api/bookings/${soon.id}/accept`))
  const stayed = await book(lea, house.id, 100, 2) // accepted, then moved into the past
  await ok(owner.post(`/api/bookings/${stayed.id}/accept`))
  await stack.db.query('UPDATE bookings SET start_date = current_date - 12, end_date = current_date - 10 WHERE id = $1', [stayed.id])
  const declined = await book(lea, loft.id, 80, 2)
  await ok(owner.post(`/api/bookings/${declined.id}/cancel`))
  const taken = await book(lea, loft.id, 120, 3)
  const other = await book(tom, loft.id, 121, 3)
  await ok(owner.post(`/api/bookings/${other.id}/accept`)) // cancels Lea's overlapping request: dates taken

  for (const viewport of [DESKTOP, PHONE]) {
    const t = await signedIn(lea, viewport)
    await t.page.goto('/trips')
    const ids = (group: string) => t.page.locator(`[data-group="${group}"] [data-booking]`).evaluateAll(els => els.map(e => Number(e.getAttribute('data-booking'))))
    await t.page.locator('[data-group="cancelled"]').waitFor()
    assert.deepEqual(await ids('upcoming'), [soon.id, later.id])
    assert.deepEqual(await ids('past'), [stayed.id])
    assert.deepEqual((await ids('cancelled')).sort(), [declined.id, taken.id].sort())
    const words = async (id: number) => t.page.locator(`[data-booking="${id}"] [data-status]`).textContent()
    assert.equal(await words(declined.id), 'Declined by the host')
    assert.equal(await words(taken.id), 'Dates taken by another stay')
    assert.equal(await words(soon.id), 'Accepted')
    assert.deepEqual(await accessibilityProblems(t.page), [])
    await screenshot(t.page, 'trips-grouped')
    if (viewport === PHONE) {
      // Withdrawing the pending request: asked first, then it moves to Cancelled as "Withdrawn".
      await t.page.locator(`[data-booking="${later.id}"]`).getByRole('button', { name: /^Withdraw request/ }).click()
      await t.page.getByRole('dialog', { name: 'Withdraw your request?' }).getByRole('button', { name: 'Withdraw the request' }).click()
      await t.page.locator(`[data-group="cancelled"] [data-booking="${later.id}"] [data-status]`, { hasText: 'Withdrawn' }).waitFor()
      assert.deepEqual(await ids('upcoming'), [soon.id])
    }
    assert.deepEqual(t.problems, [])
    await t.context.close()
  }
})

test('the booking page at both widths for both parties, and a booking that is not theirs', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const tom = await signUp(stack.url, 'traveler', 'Tom Traveler')
  const place = await listProperty(owner, { name: 'Cascais Flat', city: 'Cascais' })
  const b = await book(lea, place.id, 25, 4, 3)
  for (const viewport of [DESKTOP, PHONE]) {
    for (const [who, client] of [['owner', owner], ['traveler', lea]] as const) {
      const p = await signedIn(client, viewport)
      await p.page.goto(`/bookings/${b.id}`)
      await p.page.locator('ol[aria-label="History"] li').first().waitFor()
      assert.match(await p.page.locator('dl.facts').textContent() ?? '', /Nights4Guests3Total€482\.00/)
      assert.deepEqual(await accessibilityProblems(p.page), [])
      await screenshot(p.page, `booking-${who}`)
      assert.deepEqual(p.problems, [])
      await p.context.close()
    }
  }
  const p = await signedIn(tom)
  await p.page.goto(`/bookings/${b.id}`)
  await p.page.getByRole('heading', { name: 'Booking not found' }).waitFor()
  await p.context.close()
})

test('a stay that has begun offers no Cancel stay, on its page (which says why) or in the lists, and a request past its first night no Accept, at both widths', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const place = await listProperty(owner, { name: 'Sintra Cottage', city: 'Sintra' })
  /** An accepted stay moved to days relative to the database's today (no request may be made for past dates). */
  const accepted = async (inDays: number, start: number, end: number) => {
    const b = await book(lea, place.id, inDays, 2)
    await ok(owner.post(`/api/bookings/${b.id}/accept`))
    await stack.db.query('UPDATE bookings SET start_date = current_date + $2::int, end_date = current_date + $3::int WHERE id = $1', [b.id, start, end])
    return b
  }
  const underWay = await accepted(30, -1, 2)
  const over = await accepted(40, -120, -118)
  const late = await book(lea, place.id, 50, 2)
  await stack.db.query('UPDATE bookings SET start_date = current_date - 2, end_date = current_date + 1 WHERE id = $1', [late.id])
  const cancelStay = { name: /^Cancel stay/ }
  for (const viewport of [DESKTOP, PHONE]) {
    for (const [who, client] of [['owner', owner], ['traveler', lea]] as const) {
      const p = await signedIn(client, viewport)
      for (const [b, why] of [[underWay, 'This stay has already begun, so it can no longer be cancelled here.'], [over, 'This stay is over, so it can no longer be cancelled.']] as const) {
        await p.page.goto(`/bookings/${b.id}`)
        await p.page.locator('ol[aria-label="History"] li').first().waitFor()
        assert.equal(await p.page.getByRole('button', cancelStay).count(), 0, `${who}: no Cancel stay on booking ${b.id}`)
        assert.equal((await p.page.locator('.booking-actions p').textContent())?.trim(), why)
        if (b === underWay) {
          assert.deepEqual(await accessibilityProblems(p.page), [])
          await screenshot(p.page, `booking-begun-${who}`)
        }
      }
      if (who === 'owner') {
        // A request whose first night has passed: declined, not accepted, and the page says why.
        await p.page.goto(`/bookings/${late.id}`)
        await p.page.getByRole('button', { name: 'Decline' }).waitFor()
        assert.equal(await p.page.getByRole('button', { name: 'Accept' }).count(), 0)
        await p.page.getByText('The first night of this request has passed, so it can no longer be accepted.').waitFor()
        await screenshot(p.page, 'booking-late-request-owner')
      }
      // The lists decide on their own (My trips, Requests): the stay under way is still upcoming, with no Cancel stay.
      await p.page.goto(who === 'owner' ? '/owner/requests' : '/trips')
      await p.page.locator(`[data-booking="${underWay.id}"]`).waitFor()
      await p.page.locator(`[data-booking="${over.id}"]`).waitFor()
      assert.equal(await p.page.getByRole('button', cancelStay).count(), 0, `${who}: no Cancel stay in the list`)
      assert.deepEqual(p.problems, [])
      await p.context.close()
    }
  }
})

test('signed out, a booking\'s address leads to sign-in and then back to the booking', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const place = await listProperty(owner, { name: 'Ericeira Surf House', city: 'Ericeira' })
  const b = await book(lea, place.id, 35, 2)
  const { page, context } = await person(browser, stack.url)
  await page.goto(`/bookings/${b.id}`)
  await page.waitForURL(new RegExp(`/signin\\?next=%2Fbookings%2F${b.id}$`))
  await page.getByLabel('E-mail').fill(lea.user!.email)
  await page.getByLabel('Password').fill('correct horse')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(new RegExp(`/bookings/${b.id}$`))
  await page.getByRole('heading', { name: /Your stay at Ericeira Surf House/ }).waitFor()
  await context.close()
})

test('the listing form: fields keep their place when errors appear beside some of them; the price is labelled in the chosen currency', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, context, problems } = await signedIn(owner, viewport)
    await page.goto('/owner/properties')
    await page.getByRole('button', { name: 'Add a property' }).click()
    await page.getByLabel('Currency').selectOption('USD')
    const price = page.getByLabel(/^Price per night \(/)
    assert.match(await page.locator(`label[for="${await price.getAttribute('id')}"]`).textContent() ?? '', /\$/)
    const boxes = ['Name', 'Type', 'City', 'State or region', 'Country', 'Currency', 'Bedrooms', 'Guests at most']
    const tops = () => Promise.all(boxes.map(async l => Math.round((await page.getByLabel(l, { exact: true }).boundingBox())!.y)))
    const row = async () => { const t = await tops(); return boxes.map((l, i) => `${l}@${t[i] - t[0]}`) }
    const before = await row()
    await page.getByLabel('Name').fill('Quiet Cabin') // City and the price left empty: errors under some fields only
    await page.getByRole('button', { name: 'List this property' }).click()
    await waitFor('the price error', async () => await price.getAttribute('aria-invalid') === 'true', 10_000)
    // A box beside one with an error stays where it was relative to the first: no field is stretched or pushed.
    const afterError = await row()
    const sameRow = (r: string[]) => r.filter((_, i) => i < 3)
    assert.deepEqual(sameRow(afterError), sameRow(before))
    await screenshot(page, 'owner-properties-errors')
    assert.deepEqual(problems, [])
    await context.close()
  }
})
