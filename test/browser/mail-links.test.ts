import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { smtpSink, type Received } from '../helpers/smtp.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'
import { expireOne } from '../helpers/expiry.ts'

// Issue 17's "links that lead somewhere", in chromium against the real stack with the e-mail service sending to
// a real SMTP server: every kind of e-mail a booking's life sends (request, accept, decline, withdrawal, a stay
// cancelled by either party, dates taken, expiry), every link in each, opened by its recipient signed in and by a
// signed-out browser (sign-in first, then the same page). The unsubscribe link, signed out, turns off that
// person's e-mail and no one else's. The settings page changes how dates read.

const APP = 'http://app.test' // APP_URL: the e-mails' links are taken to the stack's own address
let stack: Stack
let browser: Browser
let sink: Awaited<ReturnType<typeof smtpSink>>
let owner: Client, lea: Client, tom: Client

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'email'] },
    env: { WEB_DIST: join(ROOT, 'web/dist'), SMTP_URL: sink.url, APP_URL: APP, UNSUBSCRIBE_KEY: 'an unsubscribe key for tests, 32 characters or more' }
  })
  browser = await launch()
  owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  lea = await signUp(stack.url, 'traveler', 'Lea Traveler')
  tom = await signUp(stack.url, 'traveler', 'Tom Traveler')
})

after(async () => {
  await browser?.close()
  await stack?.stop()
  await sink?.stop()
})

async function ok (reply: Promise<{ status: number, body: unknown }>) {
  const r = await reply
  assert.equal(r.status, 200, JSON.stringify(r.body))
}

const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

/** Every link of an e-mail (HTML and text), on the stack's address. */
function links (m: Received): string[] {
  const found = [...m.html.matchAll(/href="([^"]+)"/g)].map(x => x[1].replaceAll('&amp;', '&'))
  found.push(...(m.text.match(/https?:\/\/[^\s<>")]+/g) ?? []))
  return [...new Set(found.filter(u => u.startsWith(APP)).map(u => u.slice(APP.length)))]
}

/** The page a link opens, read as its recipient would: fails on "Page not found" or an unknown kind of link. */
async function expectPage (page: Page, path: string, what: string) {
  const booking = path.match(/^\/bookings\/(\d+)$/)
  if (booking) {
    await page.locator(`.booking-page[data-booking="${booking[1]}"] ol[aria-label="History"] li`).first().waitFor()
  } else if (path === '/settings') {
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
  } else if (path.startsWith('/unsubscribe?token=')) {
    await page.getByRole('button', { name: 'Turn off e-mails' }).waitFor()
  } else {
    assert.fail(`${what}: a link to ${path}, which no page of the app answers`)
  }
  assert.equal(await page.getByRole('heading', { name: 'Page not found' }).count(), 0, what)
}

test('every link of every kind of e-mail opens a real page for its recipient, signed in or after signing in', async () => {
  const place = await listProperty(owner, { name: 'Alfama Loft', city: 'Lisbon' })
  const r1 = await book(lea, place.id, 20, 3)
  await ok(owner.post(`/api/bookings/${r1.id}/accept`)) // Lea: accepted
  const r2 = await book(tom, place.id, 40, 3)
  await book(lea, place.id, 41, 3) // Lea: dates taken, when r2 is accepted
  await ok(owner.post(`/api/bookings/${r2.id}/accept`)) // Tom: accepted
  const r4 = await book(lea, place.id, 60, 2)
  await ok(owner.post(`/api/bookings/${r4.id}/cancel`)) // Lea: declined
  const r5 = await book(lea, place.id, 70, 2)
  await ok(lea.post(`/api/bookings/${r5.id}/cancel`)) // Olivia: withdrawn
  await ok(lea.post(`/api/bookings/${r1.id}/cancel`)) // Olivia: the guest cancelled the stay
  await ok(owner.post(`/api/bookings/${r2.id}/cancel`)) // Tom: the host cancelled the stay
  await book(tom, place.id, 80, 2)
  await expireOne(stack.db) // Tom and Olivia: expired unanswered

  // Olivia: 6 requests, a withdrawal, a cancelled stay, an expiry; Lea: accepted, dates taken, declined; Tom:
  // accepted, cancelled, expired.
  const expected: Array<[Client, number]> = [[owner, 9], [lea, 3], [tom, 3]]
  await waitFor('every e-mail', () => expected.every(([c, n]) => sink.to(c.user!.email).length >= n), 60_000)
  const mails = sink.received
  const kinds = new Set(mails.map(m => m.subject.replace(/Alfama Loft|Lea Traveler|Tom Traveler|Olivia Owner|\d+/g, '…')))
  assert.ok(kinds.size >= 6, `distinct kinds of e-mail: ${[...kinds].join(' | ')}`)

  const people = [owner, lea, tom]
  const contexts = new Map<Client, { context: BrowserContext, page: Page, problems: string[] }>()
  for (const c of people) contexts.set(c, await signedIn(c))
  const signedOutSeen = new Set<string>()
  let opened = 0
  for (const m of mails) {
    const to = people.find(c => m.to.includes(c.user!.email))
    assert.ok(to, `an e-mail to ${m.to}`)
    const found = links(m)
    const what = `"${m.subject}" to ${to.user!.name}`
    assert.ok(found.some(p => p.startsWith('/bookings/')), `${what} links to its booking: ${found.join(', ')}`)
    assert.ok(found.some(p => p.startsWith('/unsubscribe?token=')), `${what} has an unsubscribe link`)
    assert.match(m.listUnsubscribe, new RegExp(`<${APP}/api/unsubscribe\\?token=[^>]+>`), `${what}: List-Unsubscribe`)
    // mailparser folds every List-* header into one parsed object: the header's own line is read from the raw message.
    assert.match(m.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m, `${what}: List-Unsubscribe-Post`)

    for (const path of found) {
      // As the recipient, signed in.
      const { page } = contexts.get(to)!
      await page.goto(path)
      await expectPage(page, path, what)
      opened++
      // Signed out: a sign-in page first for what needs a session, then the same page. Once per address.
      if (signedOutSeen.has(path)) continue
      signedOutSeen.add(path)
      const out = await person(browser, stack.url)
      await out.page.goto(path)
      if (!path.startsWith('/unsubscribe')) {
        await out.page.waitForURL(u => u.pathname === '/signin' && u.searchParams.get('next') === path)
        await out.page.getByLabel('E-mail').fill(to.user!.email)
        await out.page.getByLabel('Password').fill('correct horse')
        await out.page.getByRole('button', { name: 'Sign in' }).click()
        await out.page.waitForURL(u => u.pathname + u.search === path)
      }
      await expectPage(out.page, path, `${what}, signed out`)
      assert.deepEqual(out.problems, [])
      await out.context.close()
    }
  }
  for (const { context, problems } of contexts.values()) { assert.deepEqual(problems, []); await context.close() }
  assert.ok(opened >= mails.length * 2, `opened ${opened} links of ${mails.length} e-mails`)
  // The List-Unsubscribe target, fetched (as link scanners do), turns nothing off.
  const target = mails[0].listUnsubscribe.match(/<([^>]+)>/)![1].replace(APP, stack.url)
  await fetch(target)
  for (const c of people) assert.equal((await c.get('/api/me/preferences')).body.preferences.email_notifications, true)
})

test('the unsubscribe link, in a signed-out browser: one button, then that person\'s e-mail is off and no one else\'s', async () => {
  const mail = await waitFor('an e-mail to Lea', () => sink.to(lea.user!.email).at(-1))
  const path = links(mail).find(p => p.startsWith('/unsubscribe?token='))!
  for (const viewport of [PHONE, DESKTOP]) {
    const { page, context, problems } = await person(browser, stack.url, viewport)
    await page.goto(path)
    const button = page.getByRole('button', { name: 'Turn off e-mails' })
    await button.waitFor()
    assert.equal(await page.getByText(lea.user!.email).count(), 0, 'no address before the POST')
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'unsubscribe')
    if (viewport === DESKTOP) {
      assert.equal((await lea.get('/api/me/preferences')).body.preferences.email_notifications, true, 'opening the page turned nothing off')
      await button.click()
      await page.getByRole('heading', { name: 'Done' }).waitFor()
      const [local, domain] = lea.user!.email.split('@')
      await page.getByText(`${local[0]}***@${domain}`).waitFor()
      await page.getByRole('link', { name: 'Settings' }).first().waitFor()
      await screenshot(page, 'unsubscribe-done')
    }
    assert.deepEqual(problems, [])
    await context.close()
  }
  assert.equal((await lea.get('/api/me/preferences')).body.preferences.email_notifications, false)
  assert.equal((await tom.get('/api/me/preferences')).body.preferences.email_notifications, true)
  assert.equal((await owner.get('/api/me/preferences')).body.preferences.email_notifications, true)

  // An altered token says so plainly.
  const { page, context } = await person(browser, stack.url)
  await page.goto(path.slice(0, -2) + (path.endsWith('A') ? 'BB' : 'AA'))
  await page.getByRole('button', { name: 'Turn off e-mails' }).click()
  await page.getByText('This link is not valid or has expired.').waitFor()
  await context.close()
})

test('settings: reached from the header, e-mail on and off, and a locale and time zone every date then follows', async () => {
  const nina = await signUp(stack.url, 'traveler', 'Nina Neves')
  const place = await listProperty(owner, { name: 'Sintra Garden House', city: 'Sintra' })
  const b = await book(nina, place.id, 30, 2)
  for (const viewport of [PHONE, DESKTOP]) {
    const { page, context, problems } = await signedIn(nina, viewport)
    await page.goto('/trips')
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.waitForURL(/\/settings$/)
    const box = page.getByLabel(/E-mail me when a booking changes/)
    await box.waitFor()
    assert.equal(await box.isChecked(), true)
    assert.deepEqual(await accessibilityProblems(page), [])
    await screenshot(page, 'settings')
    if (viewport === DESKTOP) {
      await box.uncheck()
      await page.getByText('Saved: no more e-mails.').waitFor()
      assert.equal((await nina.get('/api/me/preferences')).body.preferences.email_notifications, false)
      await box.check()
      await page.getByText('Saved: you will get an e-mail').waitFor()
      assert.equal((await nina.get('/api/me/preferences')).body.preferences.email_notifications, true)

      await page.getByLabel('Language and region').selectOption('pt-PT')
      await page.getByLabel('Time zone').selectOption('America/New_York')
      await page.locator('form', { has: page.getByLabel('Time zone') }).getByRole('button', { name: 'Save' }).click()
      await page.getByText('Saved. Dates now read this way').waitFor()
      const me = (await nina.get('/api/auth/me')).body.user
      assert.equal(me.locale, 'pt-PT')
      assert.equal(me.time_zone, 'America/New_York')
      // The booking page now writes its dates in Portuguese, and its times in New York's zone.
      await page.goto(`/bookings/${b.id}`)
      const checkIn = await page.locator('dl.facts div', { hasText: 'Check-in' }).locator('dd').textContent()
      const expectedDay = new Intl.DateTimeFormat('pt-PT', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(b.start_date + 'T00:00:00Z'))
      assert.equal(checkIn, expectedDay)
      const at = await page.locator('ol[aria-label="History"] time').first()
      const iso = await at.getAttribute('datetime')
      assert.equal(await at.textContent(), new Intl.DateTimeFormat('pt-PT', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/New_York' }).format(new Date(iso!)))
      await screenshot(page, 'booking-pt')
    }
    assert.deepEqual(problems, [])
    await context.close()
  }
})
