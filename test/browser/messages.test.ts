import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { book, listProperty, signUp, type Client } from '../helpers/http.ts'
import { ROOT } from '../helpers/processes.ts'
import { smtpSink } from '../helpers/smtp.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Conversations in the web app (issue 19), in chromium against the real stack with the message service and the
// e-mail worker sending to a real SMTP server: a guest asks a host from the place's page, the host sees it arrive live
// and answers, the guest sees "Read" and the answer live, the e-mail's link opens the thread; the booking page's
// conversation; refusals said in words. Text is shown as text, never HTML.

const APP = 'http://app.test' // APP_URL: the e-mail's link is taken to the stack's own address
const RATE = 25
let stack: Stack
let browser: Browser
let sink: Awaited<ReturnType<typeof smtpSink>>

before(async () => {
  sink = await smtpSink()
  stack = await startStack({
    pieces: { api: true, relay: true, sweeper: true, workers: ['owner', 'traveler', 'messages', 'email'] },
    env: { WEB_DIST: join(ROOT, 'web/dist'), SMTP_URL: sink.url, APP_URL: APP, MESSAGE_RATE_PER_MINUTE: String(RATE), MESSAGE_EMAIL_QUIET: '1m' }
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

/** The text of a thread's messages as shown, oldest first. */
const shown = (page: Page) => page.locator('ol[aria-label="Messages"] .message-text').allTextContents()

test('a guest asks the host from the place\'s page; the host sees it live and answers; the guest sees "Read"; the e-mail\'s link opens the thread', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const guest = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const place = await listProperty(owner, { name: 'Alfama Loft', city: 'Lisbon' })

  // The host has Messages open, with nothing in it yet.
  const o = await signedIn(owner)
  await o.page.goto('/messages')
  await o.page.getByText('No conversations yet.').waitFor()

  // The guest asks from the place's page: the question holds markup and a link, shown as they were typed.
  const question = 'Is there parking? <b>bold</b> <img src=x onerror=alert(1)> https://example.com/parking'
  const g = await signedIn(guest)
  await g.page.goto(`/property/${place.id}`)
  await g.page.getByLabel('Your question').fill(question)
  await g.page.getByRole('button', { name: 'Ask the host' }).click()
  await g.page.getByRole('status').filter({ hasText: 'Sent to the host.' }).waitFor()
  await screenshot(g.page, 'messages-ask-host')
  await axeClean(g.page, 'the place\'s page with the question sent')

  // It arrives on the host's open page, live, with its unread count, and in the header.
  const line = o.page.locator('.thread-line', { hasText: 'Lea Traveler' })
  await line.getByText('1 unread').waitFor({ timeout: 15_000 })
  await o.page.getByTestId('messages-link').filter({ hasText: '1' }).waitFor()
  await screenshot(o.page, 'messages-list')
  await axeClean(o.page, 'Messages')

  // The guest goes to the conversation and waits there.
  await g.page.getByRole('link', { name: 'See the conversation' }).click()
  await g.page.getByRole('heading', { name: 'Olivia Owner' }).waitFor()
  assert.deepEqual(await shown(g.page), [`You: ${question}`])
  assert.equal(await g.page.getByTestId('read-receipt').count(), 0, 'not read yet')

  // The host opens it: the text is text (no element made of it), and reading it shows "Read" to the guest, live.
  await line.getByRole('link').click()
  await o.page.getByRole('heading', { name: 'Lea Traveler' }).waitFor()
  assert.deepEqual(await shown(o.page), [`Lea Traveler: ${question}`])
  assert.equal(await o.page.locator('.message-text b, .message-text img, .message-text a').count(), 0, 'no markup rendered')
  await g.page.getByTestId('read-receipt').waitFor({ timeout: 15_000 })
  await waitFor('the header\'s count gone', async () => await o.page.getByTestId('messages-link').textContent() === 'Messages')

  // The host answers; the guest sees it arrive, and the host sees "Read" under the answer once the guest has it.
  await o.page.getByLabel('Your message').fill('Yes: free parking in the garage.\nThe code is in your booking.')
  await o.page.getByRole('button', { name: 'Send' }).click()
  await g.page.locator('.message.theirs', { hasText: 'free parking in the garage' }).waitFor({ timeout: 15_000 })
  await o.page.getByTestId('read-receipt').waitFor({ timeout: 15_000 })
  assert.equal(await g.page.locator('.message.theirs [data-testid="read-receipt"]').count(), 0, '"Read" only under the reader\'s own messages')
  assert.equal(await g.page.locator('.message.mine [data-testid="read-receipt"]').count(), 1)
  await screenshot(g.page, 'messages-thread-guest')
  await screenshot(o.page, 'messages-thread-host')
  await axeClean(g.page, 'the thread page')

  // The host's e-mail (the first message of a thread goes at once): its link opens the thread.
  const mail = await waitFor('the host\'s e-mail', () => sink.to(owner.user!.email)[0])
  const link = /http:\/\/app\.test(\/threads\/\d+)/.exec(mail.text)?.[1]
  assert.ok(link, mail.text)
  const fresh = await signedIn(owner)
  await fresh.page.goto(link)
  await fresh.page.getByRole('heading', { name: 'Lea Traveler' }).waitFor()
  assert.equal((await shown(fresh.page))[0], `Lea Traveler: ${question}`)
  assert.equal(await fresh.page.getByRole('heading', { name: 'Page not found' }).count(), 0)

  assert.deepEqual([...o.problems, ...g.problems, ...fresh.problems], [])
  for (const p of [o, g, fresh]) await p.context.close()
})

test('at phone width: the booking\'s conversation on the booking page, older messages on demand, refusals in words', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const guest = await signUp(stack.url, 'traveler', 'Tom Traveler')
  const place = await listProperty(owner, { name: 'Sintra Garden House', city: 'Sintra' })
  const b = await book(guest, place.id, 30, 3)

  const o = await signedIn(owner, PHONE)
  await o.page.goto(`/bookings/${b.id}`)
  await o.page.getByRole('heading', { name: 'Messages with Tom Traveler' }).waitFor()
  await o.page.getByText('No messages about this booking yet.').waitFor()

  // The guest writes the first message from the booking page: it opens the booking's thread; the host's page shows it.
  const g = await signedIn(guest, PHONE)
  await g.page.goto(`/bookings/${b.id}`)
  await g.page.getByLabel('Your message').fill('We arrive around 22:00, is that fine?')
  await g.page.getByRole('button', { name: 'Send' }).click()
  await g.page.locator('.message.mine', { hasText: 'We arrive around 22:00' }).waitFor()
  await o.page.locator('.message.theirs', { hasText: 'We arrive around 22:00' }).waitFor({ timeout: 15_000 })
  await g.page.getByTestId('read-receipt').waitFor({ timeout: 15_000 })
  await screenshot(o.page, 'messages-booking-host')
  await axeClean(o.page, 'the booking page with its conversation')

  // Too long: said beside the box, and the text stays to be shortened.
  await g.page.getByLabel('Your message').fill('x'.repeat(5001))
  await g.page.getByRole('button', { name: 'Send' }).click()
  await g.page.getByRole('alert').filter({ hasText: /at most 5000 characters/ }).waitFor()
  assert.equal((await g.page.getByLabel('Your message').inputValue()).length, 5001)
  await screenshot(g.page, 'messages-too-long')
  await axeClean(g.page, 'the refusal of a long message')

  // Too fast: the guest's quota used up (through the API), the next message is refused in words.
  const threadId = Number(await g.page.locator('.conversation').getAttribute('data-thread'))
  for (let i = 2; i <= RATE; i++) assert.equal((await guest.post(`/api/threads/${threadId}/messages`, { text: `Note ${i}` })).status, 201)
  await g.page.getByLabel('Your message').fill('One more')
  await g.page.getByRole('button', { name: 'Send' }).click()
  await g.page.getByRole('alert').filter({ hasText: `You can send at most ${RATE} messages a minute` }).waitFor()
  await screenshot(g.page, 'messages-too-fast')

  // The host's thread page: the newest 20 first, older ones on demand, oldest first.
  await o.page.goto(`/threads/${threadId}`)
  await o.page.getByRole('heading', { name: 'Tom Traveler' }).waitFor()
  assert.equal((await shown(o.page)).length, 20)
  await o.page.getByRole('button', { name: 'Show older messages' }).click()
  await waitFor('every message', async () => (await shown(o.page)).length === RATE)
  const texts = await shown(o.page)
  assert.equal(texts[0], 'Tom Traveler: We arrive around 22:00, is that fine?')
  assert.equal(texts.at(-1), `Tom Traveler: Note ${RATE}`)
  assert.equal(await o.page.getByRole('button', { name: 'Show older messages' }).count(), 0, 'nothing older')
  await screenshot(o.page, 'messages-thread-phone')
  await axeClean(o.page, 'the thread page at phone width')

  // Messages at phone width: the thread, read now, and the header's link to it.
  await o.page.getByRole('link', { name: '← Messages' }).click()
  await o.page.locator('.thread-line', { hasText: 'Tom Traveler' }).waitFor()
  assert.equal(await o.page.getByTestId('thread-unread').count(), 0, 'read on its page')
  await screenshot(o.page, 'messages-list')
  await axeClean(o.page, 'Messages at phone width')
  assert.deepEqual([...o.problems, ...g.problems], [])
  for (const p of [o, g]) await p.context.close()
})
