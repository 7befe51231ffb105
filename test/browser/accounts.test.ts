import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { smtpSink } from '../helpers/smtp.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, person, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Issue 18's favorites and accounts in chromium against the real stack, at 1280 and 390 px: the heart on search
// results and on a place's page, the favorites page; one account that hosts and travels; the profile the other
// party reads; a forgotten password reset through the real SMTP server, its e-mail's link opened.

const APP = 'http://app.test' // APP_URL: the e-mails' links are taken to the stack's own address
let stack: Stack
let browser: Browser
let sink: Awaited<ReturnType<typeof smtpSink>>
let owner: Client

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, workers: ['owner', 'traveler', 'email'] },
    env: { WEB_DIST: join(ROOT, 'web/dist'), SMTP_URL: sink.url, APP_URL: APP, UNSUBSCRIBE_KEY: 'an unsubscribe key for tests, 32 characters or more' }
  })
  browser = await launch()
  owner = await signUp(stack.url, 'owner', 'Olivia Owner')
})

after(async () => {
  await browser?.close()
  await stack?.stop()
  await sink?.stop()
})

const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)

for (const viewport of [DESKTOP, PHONE]) {
  test(`favorites at ${viewport.width} px: the heart on search and on the page is a toggle, the favorites page lists what was saved`, async () => {
    const city = `Heartford${viewport.width}`
    const loft = await listProperty(owner, { name: 'Harbour Loft', city })
    await listProperty(owner, { name: 'Garden House', city })
    const traveler = await signUp(stack.url, 'traveler', 'Fay Favorite')
    const { page, problems, context } = await signedIn(traveler, viewport)
    await page.goto(`/?location=${city}`)
    const heart = page.getByRole('button', { name: 'Save Harbour Loft to favorites' })
    assert.equal(await heart.getAttribute('aria-pressed'), 'false')
    await heart.click()
    await page.waitForSelector('button[aria-label="Save Harbour Loft to favorites"][aria-pressed="true"]')
    await screenshot(page, 'favorites-search')
    assert.deepEqual(await accessibilityProblems(page), [])

    await page.getByRole('link', { name: 'Favorites' }).click()
    await page.getByRole('heading', { name: 'Favorites', level: 1 }).waitFor()
    await page.getByRole('link', { name: 'Harbour Loft' }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'Garden House' }).count(), 0)
    await screenshot(page, 'favorites-page')
    assert.deepEqual(await accessibilityProblems(page), [])

    await page.getByRole('link', { name: 'Harbour Loft' }).click()
    const pageHeart = page.getByRole('button', { name: 'Save Harbour Loft to favorites' })
    await page.waitForSelector('button[aria-label="Save Harbour Loft to favorites"][aria-pressed="true"]')
    await pageHeart.click()
    await page.waitForSelector('button[aria-label="Save Harbour Loft to favorites"][aria-pressed="false"]')
    await screenshot(page, 'favorites-property')
    const listed = await traveler.get('/api/favorites')
    assert.deepEqual(listed.body.properties.map((p: { id: number }) => p.id), [], `${loft.id} was taken out`)
    assert.deepEqual(problems, [])
    await context.close()
  })
}

for (const viewport of [DESKTOP, PHONE]) {
  test(`one account hosts and travels at ${viewport.width} px: a traveler starts hosting in Settings, the header shows both sets of pages`, async () => {
    const traveler = await signUp(stack.url, 'traveler', 'Pat Both')
    const { page, problems, context } = await signedIn(traveler, viewport)
    await page.goto('/settings')
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'My trips' }).waitFor()
    assert.equal(await nav.getByRole('link', { name: 'My properties' }).count(), 0)
    await page.getByRole('button', { name: 'Start hosting' }).click()
    await page.getByText('You host and travel').waitFor()
    for (const name of ['My trips', 'My properties', 'Requests', 'Analytics']) await nav.getByRole('link', { name }).waitFor()
    await screenshot(page, 'accounts-both')
    assert.deepEqual(await accessibilityProblems(page), [])
    // Its own place cannot be requested; someone else's can.
    const own = await listProperty(traveler, { name: 'Pat\'s Cabin' })
    await page.goto(`/property/${own.id}`)
    await page.getByText('This is your place: guests book it here.').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Request to book' }).count(), 0)
    const other = await listProperty(owner, { name: 'Olivia\'s Flat' })
    await page.goto(`/property/${other.id}`)
    await page.getByRole('button', { name: 'Request to book' }).waitFor()
    assert.deepEqual(problems, [])
    await context.close()
  })
}

for (const viewport of [DESKTOP, PHONE]) {
  test(`the profile at ${viewport.width} px: written in Settings, read by the host on the booking's page, without the e-mail address`, async () => {
    const guest = await signUp(stack.url, 'traveler', 'Gina Guest')
    const place = await listProperty(owner, { name: `Profile Flat ${viewport.width}` })
    const g = await signedIn(guest, viewport)
    await g.page.goto('/settings')
    await g.page.getByLabel('City').fill('Porto')
    await g.page.getByLabel('Languages you speak').fill('pt, en')
    await g.page.getByLabel('About you').fill('Quiet, early riser. Loves tiles.')
    await g.page.getByRole('button', { name: 'Save profile' }).click()
    await g.page.getByText('Saved.', { exact: true }).waitFor()
    await screenshot(g.page, 'accounts-profile')
    assert.deepEqual(await accessibilityProblems(g.page), [])
    await g.context.close()
    const booking = await book(guest, place.id, 30)
    const o = await signedIn(owner, viewport)
    await o.page.goto(`/bookings/${booking.id}`)
    await o.page.getByRole('heading', { name: 'Your guest: Gina Guest' }).waitFor()
    await o.page.getByText('Lives in Porto').waitFor()
    await o.page.getByText('Speaks Portuguese, English').waitFor()
    assert.equal(await o.page.getByText(guest.user!.email).count(), 0, 'the guest\'s e-mail address is nowhere on the page')
    await screenshot(o.page, 'accounts-party')
    assert.deepEqual(await accessibilityProblems(o.page), [])
    assert.deepEqual([...g.problems, ...o.problems], [])
    await o.context.close()
  })
}

for (const viewport of [DESKTOP, PHONE]) {
  test(`a forgotten password at ${viewport.width} px: asked for from sign-in, the e-mail's link opened through the real SMTP server, a new password set`, async () => {
    const traveler = await signUp(stack.url, 'traveler', 'Rita Reset')
    const email = traveler.user!.email
    const { page, problems, context } = await person(browser, stack.url, viewport)
    await page.goto('/signin')
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByLabel('E-mail').fill(email)
    await page.getByRole('button', { name: 'Send me a link' }).click()
    await page.getByText(`If an account has the address ${email}`).waitFor()
    await screenshot(page, 'accounts-forgot')
    assert.deepEqual(await accessibilityProblems(page), [])

    const mail = await waitFor('the reset e-mail', () => sink.to(email).at(-1))
    const href = [...mail.html.matchAll(/href="([^"]+)"/g)].map(m => m[1].replaceAll('&amp;', '&')).find(u => u.startsWith(`${APP}/reset-password?token=`))
    assert.ok(href, mail.html)
    await page.goto(href.slice(APP.length)) // the e-mail's absolute link, on this stack's address
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor()
    await page.getByLabel('New password').fill('password')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await page.getByText('The new password is too easy to guess', { exact: false }).waitFor()
    await screenshot(page, 'accounts-reset-weak')
    assert.deepEqual(await accessibilityProblems(page), [])
    await page.getByLabel('New password').fill('lantern orchard quietly')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await page.getByText('Your password is changed').waitFor()
    await screenshot(page, 'accounts-reset-done')
    assert.equal((await traveler.get('/api/auth/me')).body.user, null, 'every session ended')
    await page.getByRole('link', { name: 'Sign in' }).last().click()
    await page.getByLabel('E-mail').fill(email)
    await page.getByLabel('Password').fill('lantern orchard quietly')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor() // signed in with the new password
    // The same link again: used up.
    await page.goto(href.slice(APP.length))
    await page.getByLabel('New password').fill('another fine passphrase')
    await page.getByRole('button', { name: 'Set the new password' }).click()
    await page.getByText('This link is not valid, was used already, or is too old.').waitFor()
    assert.deepEqual(problems, [])
    await context.close()
  })
}

for (const viewport of [DESKTOP, PHONE]) {
  test(`a new e-mail address at ${viewport.width} px: asked for in Settings, confirmed from the link sent to the new address`, async () => {
    const traveler = await signUp(stack.url, 'traveler', 'Elle Email')
    const next = `elle-${viewport.width}-${Date.now()}@example.com`
    const { page, problems, context } = await signedIn(traveler, viewport)
    await page.goto('/settings')
    await page.getByLabel('New e-mail address').fill(next)
    await page.getByLabel('Your password').fill('wrong horse')
    await page.getByRole('button', { name: 'Send the link' }).click()
    await page.getByText('The current password is wrong.').first().waitFor()
    await page.getByLabel('Your password').fill('correct horse')
    await page.getByRole('button', { name: 'Send the link' }).click()
    await page.getByText(`Sent: open the link in the e-mail to ${next} to confirm.`).waitFor()
    await page.getByRole('link', { name: 'Download my data' }).waitFor()
    await screenshot(page, 'accounts-settings')
    assert.deepEqual(await accessibilityProblems(page), [])
    assert.equal((await traveler.get('/api/auth/me')).body.user.email, traveler.user!.email, 'unchanged until the link is opened')

    const mail = await waitFor('the confirmation e-mail', () => sink.to(next).at(-1))
    const href = [...mail.html.matchAll(/href="([^"]+)"/g)].map(m => m[1].replaceAll('&amp;', '&')).find(u => u.startsWith(`${APP}/confirm-email?token=`))
    assert.ok(href, mail.html)
    await page.goto(href.slice(APP.length))
    await page.getByRole('button', { name: 'Confirm my new address' }).click()
    await page.getByText(`Done: your account’s e-mail address is now ${next}.`).waitFor()
    await screenshot(page, 'accounts-email-confirmed')
    assert.deepEqual(await accessibilityProblems(page), [])
    assert.equal((await traveler.get('/api/auth/me')).body.user.email, next)
    assert.deepEqual(problems, [])
    await context.close()
  })
}
