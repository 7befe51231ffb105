import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { book, Client, listProperty, signUp } from '../helpers/http.ts'
import { jpegWithGps, pngOf, twelveMegapixels, webpOf } from '../helpers/images.ts'
import { ROOT } from '../helpers/processes.ts'
import { startStack, type Stack } from '../helpers/stack.ts'
import { waitFor } from '../helpers/wait.ts'
import { accessibilityProblems, DESKTOP, launch, PHONE, screenshot, signedIn as signedInAs } from './browser.ts'

// Photos in the web app, in chromium against the real stack: an owner uploads several photos with a progress bar,
// reorders them with the keyboard, chooses the cover and deletes one after a dialog; search shows the cover with
// srcset and lazy loading; the property page's gallery moves with the arrow keys and a swipe; Settings sets an
// avatar that the other party of a booking sees. At 1280 and 390 px, axe clean.

let stack: Stack
let browser: Browser
let mediaDir: string

before(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'hostly-media-'))
  stack = await startStack({ kafka: false, env: { WEB_DIST: join(ROOT, 'web/dist'), MEDIA_DIR: mediaDir } })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
  await rm(mediaDir, { recursive: true, force: true })
})

const signedIn = (client: Client, viewport = DESKTOP) => signedInAs(browser, stack.url, client, viewport)
const photosOf = async (id: number): Promise<Array<{ id: number, cover: boolean }>> => (await new Client(stack.url).get(`/api/properties/${id}`)).body.property.photos

test('an owner uploads three photos with a progress bar, reorders them by keyboard, chooses the cover and deletes one', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olivia Owner')
  const place = await listProperty(owner, { name: 'Alfama Loft', city: 'Lisbon' })
  const o = await signedIn(owner)
  await o.page.goto('/owner/properties')
  await o.page.getByRole('button', { name: 'Photos (0)' }).click()
  const files = [
    { name: 'living-room.jpg', mimeType: 'image/jpeg', buffer: await twelveMegapixels() },
    { name: 'terrace.png', mimeType: 'image/png', buffer: await pngOf(1600, 1000) },
    { name: 'view.webp', mimeType: 'image/webp', buffer: await webpOf(1500, 1000) }
  ]
  await o.page.getByLabel('Add photos (JPEG, PNG or WebP)').setInputFiles(files)
  // The 12 MP photo takes the server a moment: the bar is there meanwhile, named by the file.
  await o.page.getByRole('progressbar', { name: /Uploading living-room\.jpg \(1 of 3\)/ }).waitFor()
  await o.page.getByRole('list', { name: 'Photos of Alfama Loft' }).getByRole('listitem').nth(2).waitFor()
  await o.page.getByRole('progressbar').waitFor({ state: 'detached' })
  const uploaded = await photosOf(place.id)
  assert.equal(uploaded.length, 3)
  assert.equal(uploaded[0].cover, true, 'the first is the cover')
  await screenshot(o.page, 'photo-manager')
  assert.deepEqual(await accessibilityProblems(o.page), [])
  await o.page.setViewportSize(PHONE)
  await screenshot(o.page, 'photo-manager')
  assert.deepEqual(await accessibilityProblems(o.page), [])
  await o.page.setViewportSize(DESKTOP)

  // Keyboard only: focus "Move photo 1 later", Enter; the moved photo's button keeps the focus, Enter again.
  await o.page.getByRole('button', { name: 'Move photo 1 later' }).focus()
  await o.page.keyboard.press('Enter')
  await waitFor('the first photo moved to second', async () => (await photosOf(place.id))[1]?.id === uploaded[0].id)
  // The database changes before the browser has the answer and renders it: the focus moves then. (Read at once,
  // it was still on "Move photo 1 later" in a run with a core taken.)
  const focused = () => o.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))
  await waitFor('the moved photo\'s "later" button to have the focus', async () => await focused() === 'Move photo 2 later', 10_000)
  await o.page.keyboard.press('Enter')
  await waitFor('and then to third', async () => (await photosOf(place.id))[2]?.id === uploaded[0].id)
  assert.deepEqual((await photosOf(place.id)).map(p => p.id), [uploaded[1].id, uploaded[2].id, uploaded[0].id])

  await o.page.getByRole('button', { name: 'Make cover: photo 1' }).click()
  await waitFor('photo 1 is the cover', async () => (await photosOf(place.id)).find(p => p.cover)?.id === uploaded[1].id)

  await o.page.getByRole('button', { name: 'Delete photo 2' }).click()
  const dialog = o.page.getByRole('dialog', { name: 'Delete photo 2?' })
  await dialog.waitFor()
  await dialog.getByRole('button', { name: 'Delete the photo' }).click()
  await waitFor('two photos left', async () => (await photosOf(place.id)).length === 2)
  await o.page.getByRole('status').filter({ hasText: 'Photo 2 deleted.' }).waitFor({ state: 'attached' })
  assert.deepEqual(o.problems, [])
  await o.context.close()
})

test('on a phone: search shows each place\'s cover with srcset and lazy loading; the property page\'s gallery moves by arrow keys and swipes', async () => {
  const owner = await signUp(stack.url, 'owner', 'Marco Owner')
  const city = `Porto${Date.now()}`
  const place = await listProperty(owner, { name: 'Ribeira Flat', city })
  for (const bytes of [await jpegWithGps(1800, 1200), await webpOf(1200, 800)]) {
    const res = await fetch(`${stack.url}/api/properties/${place.id}/photos`, { method: 'POST', headers: { cookie: owner.cookie, 'content-type': 'application/octet-stream' }, body: bytes as BodyInit })
    assert.equal(res.status, 201)
  }
  const traveler = await signUp(stack.url, 'traveler', 'Lea Traveler')
  const t = await signedIn(traveler, PHONE)
  await t.page.goto(`/?location=${city}`)
  const cover = t.page.getByRole('img', { name: `Ribeira Flat, ${city}` })
  await cover.waitFor()
  assert.match(await cover.getAttribute('srcset') ?? '', /\/media\/[0-9a-f]{64}\.jpg 320w/)
  assert.ok(await cover.getAttribute('sizes'))
  assert.match(await t.page.locator('.property-card source[type="image/webp"]').first().getAttribute('srcset') ?? '', /\.webp 1800w/)
  await waitFor('the cover loaded', () => cover.evaluate(img => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0))
  await screenshot(t.page, 'search-photos')
  assert.deepEqual(await accessibilityProblems(t.page), [])

  await t.page.getByRole('link', { name: 'Ribeira Flat' }).click()
  const stage = t.page.locator('.gallery-stage')
  await t.page.getByRole('img', { name: 'Ribeira Flat: photo 1 of 2' }).waitFor()
  await stage.focus()
  await t.page.keyboard.press('ArrowRight')
  await t.page.getByRole('img', { name: 'Ribeira Flat: photo 2 of 2' }).waitFor()
  await t.page.keyboard.press('ArrowLeft')
  await t.page.getByRole('img', { name: 'Ribeira Flat: photo 1 of 2' }).waitFor()
  // A swipe to the left: the next photo.
  const box = (await stage.boundingBox())!
  await t.page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2)
  await t.page.mouse.down()
  await t.page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 })
  await t.page.mouse.up()
  await t.page.getByRole('img', { name: 'Ribeira Flat: photo 2 of 2' }).waitFor()
  await screenshot(t.page, 'property-gallery')
  assert.deepEqual(await accessibilityProblems(t.page), [])
  await t.page.setViewportSize(DESKTOP)
  await screenshot(t.page, 'property-gallery')
  assert.deepEqual(await accessibilityProblems(t.page), [])
  assert.deepEqual(t.problems, [])
  await t.context.close()
})

test('a traveler sets an avatar in Settings (with progress) and the owner sees it on the booking page', async () => {
  const owner = await signUp(stack.url, 'owner', 'Olga Owner')
  const place = await listProperty(owner, { name: 'Graça House' })
  const lea = await signUp(stack.url, 'traveler', 'Lea Avatar')
  const b = await book(lea, place.id, 40)
  const t = await signedIn(lea, PHONE)
  await t.page.goto('/settings')
  await t.page.getByLabel('Choose a picture (JPEG, PNG or WebP)').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(900, 900) })
  await t.page.getByRole('img', { name: "Lea Avatar's picture" }).waitFor()
  await t.page.getByText('Saved: the other party of your bookings sees this picture.').waitFor()
  await screenshot(t.page, 'settings-avatar')
  assert.deepEqual(await accessibilityProblems(t.page), [])
  await t.page.setViewportSize(DESKTOP)
  await screenshot(t.page, 'settings-avatar')
  assert.deepEqual(await accessibilityProblems(t.page), [])
  assert.deepEqual(t.problems, [])

  const o = await signedIn(owner, DESKTOP)
  await o.page.goto(`/bookings/${b.id}`)
  const avatar = o.page.locator('.party img')
  await avatar.waitFor()
  assert.match(await avatar.getAttribute('src') ?? '', /^\/media\/[0-9a-f]{64}\.jpg$/)
  await screenshot(o.page, 'booking-avatar')
  assert.deepEqual(await accessibilityProblems(o.page), [])
  await t.context.close()
  await o.context.close()
})
