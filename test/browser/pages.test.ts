import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { stay, waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// The web app served by the API (WEB_DIST), in Debian's chromium, against the real stack: forms show the API's
// messages beside their fields, pages that need a session send the person to sign in, names with markup stay
// text, and every page passes axe-core with no serious or critical violation at phone and desktop width.

let stack: Stack
let browser: Browser
let owner: Client, traveler: Client
let property: { id: number, name: string }

before(async () => {
  stack = await startStack({ env: { WEB_DIST: join(ROOT, 'web/dist') } })
  browser = await launch()
  owner = await signUp(stack.url, 'owner', 'Olivia <b>Owner</b>')
  traveler = await signUp(stack.url, 'traveler', 'Tom Traveler')
  property = await listProperty(owner, { name: 'Harbour Loft', city: 'Lisbon' })
  await listProperty(owner, { name: 'Alfama Terrace <script>alert(1)</script>', city: 'Lisbon', price_per_night: 89, max_guests: 2 })
  await listProperty(owner, { name: 'Porto River House', city: 'Porto', country: 'Portugal', price_per_night: 150, max_guests: 6 })
  await book(traveler, property.id, 10, 3)
  const accepted = await book(traveler, property.id, 20, 4)
  await owner.post(`/api/bookings/${accepted.id}/accept`)
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

/** A browser context signed in as the API client's user (same session cookie, set for the stack's host). */
const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

describe('served by the API under its CSP', () => {
  test('a client route answers index.html with the CSP; an unknown /api path stays a JSON 404', async () => {
    const page = await fetch(stack.url + '/owner/requests')
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/)
    assert.match(await page.text(), /<div id="root">/)
    const api = await fetch(stack.url + '/api/nowhere')
    assert.equal(api.status, 404)
    assert.equal((await api.json()).code, 'NOT_FOUND')
    assert.equal((await fetch(stack.url + '/assets/missing.js')).status, 404)
  })
})

describe('signed out', () => {
  test('a signed-out person opening My trips is sent to sign in, and comes back to My trips after', async () => {
    const { page, context, problems } = await person(browser, stack.url)
    await page.goto('/trips')
    await page.waitForURL(/\/signin\?next=%2Ftrips$/)
    await page.getByLabel('E-mail').fill(traveler.user!.email)
    await page.getByLabel('Password').fill('correct horse')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/trips$/)
    await page.getByRole('heading', { name: 'My trips' }).waitFor()
    assert.deepEqual(problems, [])
    await context.close()
  })

  test('a wrong password shows the API\'s message under the form', async () => {
    const { page, context } = await person(browser, stack.url)
    await page.goto('/signin')
    await page.getByLabel('E-mail').fill(traveler.user!.email)
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    const res = await fetch(stack.url + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: traveler.user!.email, password: 'wrong password' }) })
    assert.equal(await alert.textContent(), (await res.json()).message)
    await context.close()
  })
})

describe('bad input shows the API\'s message beside the field', () => {
  test('sign-up: a short password and a taken e-mail are explained beside their fields', async () => {
    const { page, context } = await person(browser, stack.url)
    await page.goto('/signup')
    await page.getByLabel('Name').fill('Nina New')
    await page.getByLabel('E-mail').fill(traveler.user!.email)
    await page.getByLabel('Password').fill('short')
    await page.getByRole('button', { name: 'Create account' }).click()
    const password = page.getByLabel('Password')
    await waitFor('the password error', async () => await password.getAttribute('aria-invalid') === 'true', 10_000)
    const res = await fetch(stack.url + '/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Nina New', email: 'x@example.com', password: 'short', role: 'traveler' }) })
    const expected = (await res.json()).details.find((d: { field: string }) => d.field === 'password').message
    assert.equal(await page.locator(`#${await password.getAttribute('aria-describedby')}`).textContent(), expected)

    await password.fill('a much longer passphrase')
    await page.getByRole('button', { name: 'Create account' }).click()
    const email = page.getByLabel('E-mail')
    await waitFor('the e-mail error', async () => await email.getAttribute('aria-invalid') === 'true', 10_000)
    assert.equal(await page.locator(`#${await email.getAttribute('aria-describedby')}`).textContent(), 'This e-mail address is already registered.')
    await context.close()
  })

  test('add property: a zero price and a blank city are refused with the API\'s words beside those fields', async () => {
    const { page, context, problems } = await signedIn(owner)
    await page.goto('/owner/properties')
    await page.getByRole('button', { name: 'Add a property' }).click()
    await page.getByLabel('Name').fill('Quiet Cabin')
    await page.getByLabel('City').fill('   ')
    await page.getByLabel('State or region').fill('Minho')
    await page.getByLabel('Country').fill('Portugal')
    await page.getByLabel('Price per night (€)').fill('0')
    await page.getByRole('button', { name: 'List this property' }).click()
    const price = page.getByLabel('Price per night (€)')
    await waitFor('the price error', async () => await price.getAttribute('aria-invalid') === 'true', 10_000)
    const res = await owner.post('/api/properties', { name: 'Quiet Cabin', description: '', city: '   ', state: 'Minho', country: 'Portugal', property_type: 'apartment', price_per_night: 0, bedrooms: 1, bathrooms: 1, max_guests: 2, amenities: [] })
    assert.equal(res.status, 400)
    const message = (field: string) => res.body.details.find((d: { field: string }) => d.field === field).message
    const beside = async (label: string) => page.locator(`#${await page.getByLabel(label).getAttribute('aria-describedby')}`).textContent()
    assert.equal(await beside('Price per night (€)'), message('price_per_night'))
    assert.equal(await beside('City'), message('city'))
    // Whole sentences that name the field in words: they read as they are under the field's own label.
    assert.equal(message('price_per_night'), 'The price per night must be at least 0.01.')
    assert.equal(message('city'), 'The city must not be blank.')
    await screenshot(page, 'listing-form-errors')
    await page.setViewportSize(PHONE)
    await screenshot(page, 'listing-form-errors')

    await page.getByLabel('City').fill('Braga')
    await price.fill('75')
    await page.getByRole('button', { name: 'List this property' }).click()
    await page.getByRole('link', { name: 'Quiet Cabin' }).waitFor()
    assert.deepEqual(problems, [])
    await context.close()
  })

  test('booking: more guests than the place holds is refused beside the guests field; the price shows nights × price first', async () => {
    const { page, context } = await signedIn(traveler)
    const { start_date: start, end_date: end } = stay(40, 2)
    await page.goto(`/property/${property.id}?start_date=${start}&end_date=${end}&guests=9`)
    const price = page.getByLabel('Price of the stay')
    await price.getByText('2 nights × €120.50').waitFor()
    assert.match(await price.innerText(), /Total\s+€241\.00/)
    await page.getByRole('button', { name: 'Request to book' }).click()
    const guests = page.getByLabel('Guests')
    await waitFor('the guests error', async () => await guests.getAttribute('aria-invalid') === 'true', 10_000)
    const res = await traveler.post('/api/bookings', { property_id: property.id, start_date: start, end_date: end, num_guests: 9 })
    assert.equal(res.status, 400)
    assert.equal(await page.locator(`#${await guests.getAttribute('aria-describedby')}`).textContent(), res.body.details[0].message)
    // The API's sentence names the field in words, so it reads as it is beside the field's own label.
    assert.match(res.body.details[0].message, /^This place holds at most \d+ guests?\.$/)
    await context.close()
  })
})

test('keyboard only: Tab reaches the skip link first with a visible outline, and signs in with Tab, typing and Enter', async () => {
  const { page, context } = await person(browser, stack.url)
  await page.goto('/signin?next=%2Ftrips')
  await page.getByRole('button', { name: 'Sign in' }).waitFor()
  const focused = () => page.evaluate(() => {
    const el = document.activeElement as HTMLElement
    const style = getComputedStyle(el)
    return { text: el.textContent, label: (el as HTMLInputElement).labels?.[0]?.textContent ?? null, outline: `${style.outlineStyle} ${style.outlineWidth}` }
  })
  await page.keyboard.press('Tab')
  assert.deepEqual(await focused(), { text: 'Skip to content', label: null, outline: 'solid 3px' })
  for (let i = 0; i < 10 && (await focused()).label !== 'E-mail'; i++) await page.keyboard.press('Tab')
  assert.equal((await focused()).label, 'E-mail')
  assert.equal((await focused()).outline, 'solid 3px')
  await page.keyboard.type(traveler.user!.email)
  await page.keyboard.press('Tab')
  await page.keyboard.type('correct horse')
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/trips$/)
  await context.close()
})

test('names with markup are shown as text, never run', async () => {
  const { page, context, problems } = await person(browser, stack.url)
  await page.goto('/?location=lisbon')
  const link = page.getByRole('link', { name: 'Alfama Terrace <script>alert(1)</script>' })
  await link.waitFor()
  assert.equal(await page.locator('ul[aria-label="Places"] script').count(), 0)
  assert.deepEqual(problems, [])
  await context.close()
})

/** Every page, as the person who sees it: no serious or critical axe violation, and a screenshot at both widths. */
const PAGES: Array<{ name: string, path: string, as?: () => Client, ready (page: Page): Promise<unknown> }> = [
  { name: 'search', path: '/?location=lisbon', ready: p => p.getByRole('link', { name: 'Harbour Loft' }).waitFor() },
  { name: 'property', path: '', ready: p => p.getByRole('heading', { name: 'Dates already taken' }).waitFor() },
  { name: 'signin', path: '/signin', ready: p => p.getByRole('button', { name: 'Sign in' }).waitFor() },
  { name: 'signup', path: '/signup', ready: p => p.getByRole('button', { name: 'Create account' }).waitFor() },
  { name: 'trips', path: '/trips', as: () => traveler, ready: p => p.locator('[data-booking]').first().waitFor() },
  { name: 'inbox', path: '/inbox', as: () => owner, ready: p => p.getByRole('heading', { name: 'Notifications' }).waitFor() },
  { name: 'owner-properties', path: '/owner/properties', as: () => owner, ready: p => p.getByRole('link', { name: 'Harbour Loft' }).waitFor() },
  { name: 'owner-requests', path: '/owner/requests', as: () => owner, ready: p => p.locator('[data-booking]').first().waitFor() },
  { name: 'owner-analytics', path: '/owner/analytics', as: () => owner, ready: p => p.getByRole('heading', { name: 'Analytics' }).waitFor() }
]

describe('every page: accessible, screenshotted at phone and desktop width', () => {
  for (const viewport of [PHONE, DESKTOP]) {
    for (const spec of PAGES) {
      test(`${spec.name} at ${viewport.width}×${viewport.height}: no serious or critical axe violation, no CSP violation`, async () => {
        const { page, context, problems } = spec.as ? await signedIn(spec.as(), viewport) : await person(browser, stack.url, viewport)
        await page.goto(spec.path || `/property/${property.id}`)
        await spec.ready(page)
        await page.locator('.loading').waitFor({ state: 'detached' })
        assert.deepEqual(await accessibilityProblems(page), [])
        await screenshot(page, spec.name)
        assert.deepEqual(problems, [])
        await context.close()
      })
    }
  }
})
