import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { TOPICS } from '../../src/bookings/events.ts'
import { startDevMailServer, type DevMailServer } from '../../src/email/dev-server.ts'
import { createMailer } from '../../src/email/mailer.ts'
import { createLogger } from '../../src/log.ts'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { cleanUp, ROOT, tempDir } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Issue 17's points 4, 6 and 7 in Debian's chromium against the real stack: search finds what people type;
// analytics on the page are the API's figures and a recomputation from the bookings table; a signed-out page
// load logs nothing in the console; /dev/mail is styled and shows whole messages; an empty app says what to do.

let stack: Stack
let browser: Browser
let mail: DevMailServer
let owner: Client
let loft: { id: number, name: string }

before(async () => {
  const dir = await tempDir()
  mail = await startDevMailServer(0, dir, createLogger('silent'))
  stack = await startStack({
    pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'analytics'], devMailDir: dir },
    env: { WEB_DIST: join(ROOT, 'web/dist') }
  })
  browser = await launch()
  owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  loft = await listProperty(owner, { name: 'Alfama rooftop loft', city: 'Lisbon', state: 'Lisboa', country: 'Portugal', price_per_night: 120 })
  await listProperty(owner, { name: 'Ribeira river house', city: 'Porto', state: 'Porto', country: 'Portugal', price_per_night: 150, max_guests: 6 })
  await listProperty(owner, { name: 'Málaga beach flat', city: 'Málaga', state: 'Andalucía', country: 'Spain', price_per_night: 80 })
})

after(async () => {
  await browser?.close()
  await stack?.stop()
  await mail?.stop()
  await cleanUp()
})

const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

/** Every console error and failed request of a page (person() keeps only CSP violations and page errors). */
function consoleErrors (page: Page): string[] {
  const seen: string[] = []
  page.on('console', m => { if (m.type() === 'error') seen.push(m.text()) })
  page.on('response', r => { if (r.status() >= 400) seen.push(`${r.status()} ${r.url()}`) })
  return seen
}

const results = (page: Page) => page.getByRole('list', { name: 'Places' }).getByRole('link').allTextContents()

describe('search finds what people type', () => {
  for (const viewport of [DESKTOP, PHONE]) {
    test(`"alfama" (in a title), "Lisbon, Portugal" and "lisbn" find the place, at ${viewport.width} px`, async () => {
      const { page, context, problems } = await person(browser, stack.url, viewport)
      await page.goto('/')
      for (const typed of ['alfama', 'Lisbon, Portugal', 'lisbn', 'ALFAMA lisboa']) {
        await page.getByLabel('Where').fill(typed)
        await page.getByRole('button', { name: 'Search' }).click()
        await page.getByRole('link', { name: loft.name }).waitFor()
        assert.deepEqual(await results(page), [loft.name], typed)
      }
      // A country finds its places; the sort and the filters narrow and order them.
      await page.getByLabel('Where').fill('portugal')
      await page.getByRole('button', { name: 'Search' }).click()
      await page.getByRole('link', { name: 'Ribeira river house' }).waitFor()
      await page.getByLabel('Sort by').selectOption('price_desc')
      await page.waitForURL(/sort=price_desc/)
      await waitFor('sorted by price', async () => (await results(page)).join() === 'Ribeira river house,Alfama rooftop loft')
      await page.getByLabel('Max per night').fill('130')
      await page.getByRole('button', { name: 'Search' }).click()
      await waitFor('the price filter', async () => (await results(page)).join() === loft.name)
      assert.deepEqual(await accessibilityProblems(page), [])
      await screenshot(page, 'search-filters')
      // Punctuation alone is refused beside the field, in the API's words.
      await page.getByLabel('Where').fill('?!%')
      await page.getByRole('button', { name: 'Search' }).click()
      const where = page.getByLabel('Where')
      await waitFor('the error beside Where', async () => await where.getAttribute('aria-invalid') === 'true', 10_000)
      assert.equal(await page.locator(`#${await where.getAttribute('aria-describedby')}`).textContent(), 'The search text must contain a letter or a digit.')
      assert.deepEqual(problems, [])
      await context.close()
    })
  }
})

describe('analytics a reader believes', () => {
  test('the page shows the API\'s figures, each equal to a recomputation from the bookings table, for a period that cuts through stays', async () => {
    const host = await signUp(stack.url, 'owner', 'Ana Analytics')
    const a = await listProperty(host, { name: 'Ericeira surf house with a rather long name', city: 'Ericeira', price_per_night: 100 })
    const b = await listProperty(host, { name: 'Nazaré cliff cabin', city: 'Nazaré', price_per_night: 70 })
    const tina = await signUp(stack.url, 'traveler', 'Tina Traveler')
    // Period: the next 20 days (UTC). One stay inside it, one crossing its last day, one after it; a decline, a withdrawal.
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)
    const [from, to] = [day(0), day(19)]
    for (const [property, inDays, nights] of [[a, 3, 4], [b, 17, 5], [a, 25, 2]] as const) {
      const stay = await book(tina, property.id, inDays, nights)
      assert.equal((await host.post(`/api/bookings/${stay.id}/accept`)).status, 200)
    }
    assert.equal((await host.post(`/api/bookings/${(await book(tina, b.id, 40, 2)).id}/cancel`)).status, 200)
    assert.equal((await tina.post(`/api/bookings/${(await book(tina, a.id, 50, 2)).id}/cancel`)).status, 200)
    const cancelled = await book(tina, b.id, 60, 2)
    assert.equal((await host.post(`/api/bookings/${cancelled.id}/accept`)).status, 200)
    assert.equal((await tina.post(`/api/bookings/${cancelled.id}/cancel`)).status, 200)

    const api = await waitFor('every event in the analytics', async () => {
      const r = await host.get(`/api/owner/analytics?from=${from}&to=${to}`)
      return r.body.totals?.requests === 6 && r.body.totals.cancelled === 3 ? r.body : undefined
    })
    const { rows: [want] } = await stack.db.query(`
      WITH b AS (SELECT b.*, p.created_at AS listed FROM bookings b JOIN properties p ON p.id = b.property_id WHERE p.owner_id = $1),
      ev AS (SELECT o.key::bigint AS id, o.payload::jsonb AS p FROM outbox o WHERE o.topic = $4),
      nights AS (SELECT b.total_price / (b.end_date - b.start_date) AS price FROM b, generate_series(b.start_date, b.end_date - 1, interval '1 day') n
                  WHERE b.status = 'accepted' AND n::date BETWEEN $2 AND $3)
      SELECT (SELECT count(*) FROM nights)::int AS nights_booked, (SELECT coalesce(sum(price), 0) FROM nights)::float8 AS revenue,
             (SELECT sum(greatest(0, $3::date - greatest($2::date, (created_at AT TIME ZONE 'UTC')::date) + 1)) FROM properties WHERE owner_id = $1)::int AS listed_nights,
             (SELECT count(*) FROM b WHERE (created_at AT TIME ZONE 'UTC')::date BETWEEN $2 AND $3)::int AS requests,
             (SELECT count(*) FROM b JOIN ev USING (id) WHERE ev.p->>'status' = 'accepted')::int AS accepted,
             (SELECT count(*) FROM b JOIN ev USING (id) WHERE ev.p->>'reason' = 'owner_declined' AND NOT EXISTS (SELECT 1 FROM ev e2 WHERE e2.id = b.id AND e2.p->>'status' = 'accepted'))::int AS declined,
             (SELECT count(*) FROM b JOIN ev USING (id) WHERE ev.p->>'reason' = 'traveler_cancelled' AND NOT EXISTS (SELECT 1 FROM ev e2 WHERE e2.id = b.id AND e2.p->>'status' = 'accepted'))::int AS withdrawn,
             (SELECT count(*) FROM b JOIN ev USING (id) WHERE ev.p->>'status' = 'cancelled' AND EXISTS (SELECT 1 FROM ev e2 WHERE e2.id = b.id AND e2.p->>'status' = 'accepted'))::int AS stays_cancelled`,
    [host.user!.id, from, to, TOPICS.statusUpdated])
    assert.deepEqual(want, { nights_booked: 7, revenue: 4 * 100 + 3 * 70, listed_nights: 40, requests: 6, accepted: 4, declined: 1, withdrawn: 1, stays_cancelled: 1 }, 'the history is the one meant')
    for (const f of ['nights_booked', 'revenue', 'listed_nights', 'requests', 'accepted', 'declined', 'withdrawn'] as const) assert.equal(api.totals[f], want[f], f)
    assert.equal(api.totals.cancelled_by_traveler, 1)
    assert.equal(api.totals.occupancy, Math.round(7 / 40 * 10_000) / 10_000)

    for (const viewport of [DESKTOP, PHONE]) {
      const { page, context, problems } = await signedIn(host, viewport)
      await page.goto('/owner/analytics')
      await page.getByLabel('From', { exact: true }).fill(from)
      await page.getByLabel('To', { exact: true }).fill(to)
      await page.getByRole('button', { name: 'Show' }).click()
      const total = (term: string) => page.locator('dl.totals > div').filter({ has: page.getByRole('term').getByText(term, { exact: true }) }).locator('dd').first()
      const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' })
      await waitFor('the period\'s figures', async () => await total('Revenue').textContent() === money.format(want.revenue))
      assert.equal(await total('Nights booked').textContent(), String(want.nights_booked))
      assert.equal(await total('Occupancy').textContent(), `${Math.round(want.nights_booked / want.listed_nights * 100)} %`)
      assert.equal(await total('Requests').textContent(), String(want.requests))
      assert.equal(await total('Declined').textContent(), String(want.declined))
      assert.equal(await total('Stays cancelled').textContent(), String(want.stays_cancelled))
      await page.getByText(`of ${want.listed_nights} listed nights`).waitFor()
      // Every chart has its axis's unit; the definitions are on the page.
      for (const [title, unit] of [['Nights booked per day', 'nights booked'], ['Revenue per day, on the nights stayed', 'revenue'], ['Occupancy per property', 'listed nights'],
        ['Revenue per property', 'revenue on the nights stayed'], ['Median time to answer per property', 'request → your answer']]) {
        const chart = page.locator('figure.chart').filter({ hasText: title })
        await chart.locator('svg').waitFor()
        assert.ok((await chart.locator('.chart-unit').textContent())!.includes(unit), title)
        assert.ok(await chart.locator('.chart-tick').count() >= 2, `${title}: ticks on its axis`)
        // Nothing drawn outside the chart's box (the old drawing clipped a value label).
        const [box, svg] = await Promise.all([chart.locator('.chart-box').boundingBox(), chart.locator('svg').boundingBox()])
        assert.ok(svg!.width <= box!.width + 0.5, `${title}: ${svg!.width} px in a ${box!.width} px box`)
        for (const text of await chart.locator('text').all()) {
          const t = await text.boundingBox()
          if (t) assert.ok(t.x >= svg!.x - 0.5 && t.x + t.width <= svg!.x + svg!.width + 0.5, `${title}: "${await text.textContent()}" inside the chart`)
        }
      }
      await page.getByText('How these figures are counted').click()
      await page.getByText(/Counted on the nights stayed/).waitFor()
      assert.deepEqual(await accessibilityProblems(page), [])
      await screenshot(page, 'owner-analytics-data')
      assert.deepEqual(problems, [])
      await context.close()
    }
  })
})

describe('the first minutes', () => {
  test('a signed-out page load logs no error in the console, and its files come compressed', async () => {
    const { page, context, problems } = await person(browser, stack.url)
    const errors = consoleErrors(page)
    const encodings: string[] = []
    page.on('response', r => { if (r.url().includes('/assets/')) encodings.push(r.headers()['content-encoding'] ?? 'none') })
    await page.goto('/')
    await page.getByRole('link', { name: loft.name }).waitFor()
    await page.goto('/signin')
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    assert.deepEqual(errors, [])
    assert.deepEqual(problems, [])
    assert.ok(encodings.length > 0 && encodings.every(e => e === 'br'), encodings.join())
    await context.close()
  })

  test('/dev/mail is styled under the CSP and shows a whole HTML message, at both widths', async () => {
    const mailer = createMailer(mail.url, 'Hostly <no-reply@hostly.localhost>')
    const rows = Array.from({ length: 30 }, (_, i) => `<p style="color:#0b5cad;margin:0 0 12px">Line ${i + 1} of a long message</p>`).join('')
    await mailer.send({ to: { name: 'Tom', address: 'tom@example.com' }, subject: 'A long message', text: 'A long message', html: `<div style="font-family:sans-serif">${rows}<p id="last">The end.</p></div>`, messageId: '<long@hostly.localhost>', unsubscribeUrl: 'http://app.test/preferences' })
    mailer.close()
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, context, problems } = await person(browser, stack.url, viewport)
      const errors = consoleErrors(page)
      await page.goto('/dev/mail')
      await page.getByRole('link', { name: 'A long message' }).click()
      await page.getByRole('heading', { name: 'A long message' }).waitFor()
      // The page's stylesheet applies (an inline <style> would have been blocked).
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(246, 247, 249)')
      const frame = page.locator('iframe')
      const inner = page.frameLocator('iframe')
      await inner.locator('#last').waitFor()
      await waitFor('the frame grown to its message', async () => {
        const [height, content] = await Promise.all([frame.evaluate(f => (f as HTMLIFrameElement).getBoundingClientRect().height),
          frame.evaluate(f => (f as HTMLIFrameElement).contentDocument!.documentElement.scrollHeight)])
        return height >= content && height > 600
      })
      // The message's own inline styles apply inside its frame.
      assert.equal(await inner.locator('p').first().evaluate(p => getComputedStyle(p).color), 'rgb(11, 92, 173)')
      await screenshot(page, 'dev-mail-message')
      assert.deepEqual(errors, [])
      assert.deepEqual(problems, [])
      await context.close()
    }
  })

  test('an empty Hostly says what to do first: a visitor is shown how to list a place, a new owner lands on listing one', async () => {
    const empty = await startStack({ kafka: false, env: { WEB_DIST: join(ROOT, 'web/dist') } })
    try {
      const { page, context, problems } = await person(browser, empty.url)
      await page.goto('/')
      await page.getByText('No place is listed yet.').waitFor()
      await page.getByText('Own a place?').getByRole('link', { name: 'Create an account' }).click()
      await page.getByLabel('host travelers').check()
      await page.getByLabel('Name').fill('Nora New')
      await page.getByLabel('E-mail').fill(`nora-${Date.now()}@example.com`)
      await page.getByLabel('Password').fill('correct horse battery')
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.waitForURL(/\/owner\/properties$/)
      await page.getByText('You have not listed a place yet.').waitFor()
      await page.getByRole('link', { name: 'Analytics' }).click()
      await page.getByRole('link', { name: 'List your first place' }).waitFor()
      await page.getByRole('link', { name: 'Search' }).click()
      await page.getByRole('link', { name: 'List your first place' }).waitFor()
      assert.deepEqual(await accessibilityProblems(page), [])
      await screenshot(page, 'search-empty')
      assert.deepEqual(problems, [])
      await context.close()
    } finally {
      await empty.stop()
    }
  })
})
