import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { assertSignedOut, book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, PHONE, RESULTS, screenshot, signedIn as signedInAs } from './browser.ts'

// Deleting an account from Settings in chromium, at 1280 and 390 px: the dialog says what will be cancelled (counted
// by the API), keeps focus inside, refuses a wrong password in place, and on the right one signs out to the home page.

let stack: Stack
let browser: Browser
let owner: Client

before(async () => {
  stack = await startStack({ kafka: false, env: { WEB_DIST: join(ROOT, 'web/dist') } })
  browser = await launch()
  owner = await signUp(stack.url, 'owner', 'Olivia Owner')
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

for (const viewport of [DESKTOP, PHONE]) {
  test(`delete account at ${viewport.width} px: the dialog counts what is cancelled, a wrong password is said in place, then home signed out`, async () => {
    const place = await listProperty(owner, { name: 'Harbour Loft' })
    const traveler = await signUp(stack.url, 'traveler', 'Dana Deleting')
    const asked = await traveler.post(`/api/properties/${place.id}/questions`, { text: 'Is there a lift?' })
    assert.equal(asked.status, 201)
    const pending = await book(traveler, place.id, 10)
    const accepted = await book(traveler, place.id, 20)
    assert.equal((await owner.post(`/api/bookings/${accepted.id}/accept`)).status, 200)
    const { page, problems, context } = await signedInAs(browser, stack.url, traveler, viewport)
    await page.goto('/settings')
    const section = page.getByRole('region', { name: 'Delete account' })
    await section.waitFor()
    const opener = section.getByRole('button', { name: 'Delete my account…' })
    await opener.click()
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' })
    await dialog.getByText('1 request you made will be withdrawn.').waitFor()
    await dialog.getByText('1 upcoming stay of yours will be cancelled.').waitFor()
    const password = dialog.getByLabel('Your password')
    assert.ok(await password.evaluate(el => el === document.activeElement), 'the password field has focus')
    // Tab goes round the dialog: from the last control back to the first, never to the page behind.
    await dialog.getByRole('button', { name: 'Delete my account' }).focus()
    await page.keyboard.press('Tab')
    assert.ok(await password.evaluate(el => el === document.activeElement), 'Tab from the last control comes back to the first')
    await screenshot(page, 'delete-account-dialog')
    await page.screenshot({ path: join(RESULTS, `delete-account-dialog-${viewport.width}-viewport.png`) }) // the dialog as the person sees it
    assert.deepEqual(await accessibilityProblems(page), [])

    // Escape keeps the account, focus back on the button.
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    // The dialog gives the focus back on the next task after it closes (DeleteAccount.tsx): polled, not read at once.
    await waitFor('focus back on the opener', () => opener.evaluate(el => el === document.activeElement), 10_000)

    await opener.click()
    await dialog.getByText('1 request you made will be withdrawn.').waitFor()
    await password.fill('not my password')
    await dialog.getByRole('button', { name: 'Delete my account' }).click()
    await dialog.getByText('The current password is wrong.').waitFor()
    assert.equal(await password.getAttribute('aria-invalid'), 'true')
    await screenshot(page, 'delete-account-wrong-password')
    await page.screenshot({ path: join(RESULTS, `delete-account-wrong-password-${viewport.width}-viewport.png`) })
    assert.equal((await owner.get(`/api/bookings/${pending.id}`)).body.booking.status, 'pending', 'nothing changed')

    await password.fill('correct horse')
    await dialog.getByRole('button', { name: 'Delete my account' }).click()
    await page.waitForURL(url => url.pathname === '/')
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor()
    await page.getByRole('status').filter({ hasText: 'Your account is deleted, and you are signed out.' }).waitFor()
    await screenshot(page, 'delete-account-done')
    assert.equal((await owner.get(`/api/bookings/${pending.id}`)).body.booking.status, 'cancelled')
    assert.equal((await owner.get(`/api/bookings/${accepted.id}`)).body.booking.status, 'cancelled')
    await assertSignedOut(traveler)
    assert.deepEqual(problems, [])
    await context.close()

    // The host's side of their conversation: kept, from "Deleted account", with a line instead of the message box.
    const host = await signedInAs(browser, stack.url, owner, viewport)
    await host.page.goto(`/threads/${asked.body.message.thread_id}`)
    await host.page.getByText('Is there a lift?').waitFor()
    await host.page.getByRole('status').filter({ hasText: 'The other party deleted their account: messages can no longer reach them.' }).waitFor()
    assert.equal(await host.page.getByRole('textbox', { name: 'Your message' }).count(), 0, 'no message box')
    await screenshot(host.page, 'delete-account-host-thread')
    assert.deepEqual(await accessibilityProblems(host.page), [])
    assert.deepEqual(host.problems, [])
    await host.context.close()
  })
}
