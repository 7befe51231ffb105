import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import sharp from 'sharp'
import { book, Client, listProperty, signUp } from './helpers/http.ts'
import { jpegWithGps, pngBomb, pngOf, twelveMegapixels, upload, webpOf } from './helpers/images.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Photos of properties and avatars, on the local-disk store (MEDIA_DIR): what an upload becomes (variants of the
// right types and widths, no metadata, content-addressed, cached for a year), reordering, the cover, deleting
// (files gone), every bad input refused with nothing stored, the limits, and who may do what.
// test/photos-s3.test.ts runs the same store operations against a real S3-compatible server.

const MAX_BYTES = 4 * 1024 * 1024
const PER_PROPERTY = 4
let stack: Stack
let mediaDir: string
let owner: Client, otherOwner: Client, traveler: Client

before(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'hostly-media-'))
  stack = await startStack({
    kafka: false,
    env: { MEDIA_DIR: mediaDir, PHOTO_MAX_BYTES: String(MAX_BYTES), PHOTOS_PER_PROPERTY: String(PER_PROPERTY), PHOTO_MAX_PIXELS: '20000000' }
  })
  owner = await signUp(stack.url, 'owner', 'Olga Owner')
  otherOwner = await signUp(stack.url, 'owner', 'Otto Owner')
  traveler = await signUp(stack.url, 'traveler', 'Tara Traveler')
})
after(async () => {
  await stack?.stop()
  await rm(mediaDir, { recursive: true, force: true })
})

interface Variant { url: string, width: number, height: number, type: string }
interface Photo { id: number, width: number, height: number, cover: boolean, variants: Variant[] }

const files = async () => (await readdir(mediaDir).catch(() => [])).sort()
const photosOf = async (propertyId: number): Promise<Photo[]> => (await new Client(stack.url).get(`/api/properties/${propertyId}`)).body.property.photos
const addPhoto = (propertyId: number, bytes: Buffer | string, type = 'image/jpeg', who: Client = owner) =>
  upload(who, `/api/properties/${propertyId}/photos`, bytes, type)

async function uploaded (propertyId: number, bytes: Buffer, type = 'image/jpeg'): Promise<Photo> {
  const res = await addPhoto(propertyId, bytes, type)
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.photo
}

/** Fetches a variant's file and checks it is what its entry says, named by its hash, cached for a year. */
async function checkFile (v: Variant) {
  const res = await fetch(stack.url + v.url)
  assert.equal(res.status, 200, v.url)
  assert.equal(res.headers.get('content-type'), v.type)
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  const bytes = Buffer.from(await res.arrayBuffer())
  assert.equal(v.url, `/media/${createHash('sha256').update(bytes).digest('hex')}.${v.type === 'image/webp' ? 'webp' : 'jpg'}`)
  const meta = await sharp(bytes).metadata()
  assert.equal(meta.format, v.type === 'image/webp' ? 'webp' : 'jpeg')
  assert.equal(meta.width, v.width)
  assert.equal(meta.height, v.height)
  assert.equal(meta.exif, undefined, 'no EXIF (and so no GPS) is left')
  assert.equal(meta.orientation, undefined)
  return bytes
}

describe('uploading', () => {
  test('a JPEG with GPS EXIF becomes WebP and JPEG variants 1920, 960 and 320 wide, without any EXIF, each cached for a year', async () => {
    const { id } = await listProperty(owner)
    const original = await jpegWithGps(2400, 1600)
    assert.ok((await sharp(original).metadata()).exif?.toString('latin1').includes('HostlyCam'), 'the original has EXIF')
    const photo = await uploaded(id, original)
    assert.equal(photo.cover, true, 'the first photo is the cover')
    assert.deepEqual(photo.variants.map(v => [v.width, v.height, v.type]), [
      [1920, 1280, 'image/webp'], [1920, 1280, 'image/jpeg'], [960, 640, 'image/webp'], [960, 640, 'image/jpeg'], [320, 213, 'image/webp'], [320, 213, 'image/jpeg']
    ])
    for (const v of photo.variants) {
      const bytes = await checkFile(v)
      assert.ok(!bytes.includes(Buffer.from('HostlyCam')) && !bytes.includes(Buffer.from('GPS')), 'no trace of the camera or GPS in the bytes')
    }
    assert.deepEqual(await photosOf(id), [photo], 'the property shows it')
  })

  test('a photo is turned upright by its EXIF orientation before the metadata is dropped', async () => {
    const { id } = await listProperty(owner)
    const photo = await uploaded(id, await jpegWithGps(1200, 800, 6))
    assert.deepEqual([photo.width, photo.height], [800, 1200])
    assert.deepEqual(photo.variants.map(v => v.width), [800, 800, 320, 320], 'never wider than the original')
  })

  test('PNG (with transparency) and WebP are taken; the Content-Type sent does not matter, the bytes do', async () => {
    const { id } = await listProperty(owner)
    const png = await uploaded(id, await pngOf(500, 400), 'application/octet-stream')
    assert.deepEqual(png.variants.map(v => v.width), [500, 500, 320, 320])
    for (const v of png.variants) await checkFile(v)
    const webp = await uploaded(id, await webpOf(1000, 500), 'image/jpeg')
    assert.equal(webp.cover, false)
    for (const v of webp.variants) await checkFile(v)
  })

  test('search results carry each place\'s photos, the cover marked', async () => {
    const city = `Photoville${Date.now()}`
    const { id } = await listProperty(owner, { city })
    await uploaded(id, await webpOf(700, 500))
    const res = await new Client(stack.url).get(`/api/properties/search?location=${city}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.properties[0].photos.length, 1)
    assert.equal(res.body.properties[0].photos[0].cover, true)
    const mine = await owner.get('/api/owner/properties')
    assert.ok(mine.body.properties.find((p: { id: number }) => p.id === id).photos.length === 1)
  })

  test('a 12-megapixel phone JPEG: upload to variants, timed', async (t) => {
    const { id } = await listProperty(owner)
    const bytes = await twelveMegapixels()
    const started = performance.now()
    const photo = await uploaded(id, bytes)
    t.diagnostic(`12 MP JPEG of ${(bytes.length / 1024 / 1024).toFixed(1)} MiB → ${photo.variants.length} variants in ${Math.round(performance.now() - started)} ms`)
    assert.deepEqual(photo.variants.map(v => v.width), [1920, 1920, 960, 960, 320, 320])
  })
})

describe('bad uploads are refused, and nothing is stored', () => {
  let propertyId: number
  before(async () => { propertyId = (await listProperty(owner)).id })

  const refused = async (bytes: Buffer | string, type: string, status: number, code: string) => {
    const before = await files()
    const res = await addPhoto(propertyId, bytes, type)
    assert.equal(res.status, status, JSON.stringify(res.body))
    assert.equal(res.body.code, code)
    assert.match(res.body.message, /^[A-Z].+\.$/, 'a sentence')
    assert.deepEqual(await files(), before, 'no file written')
    assert.deepEqual(await photosOf(propertyId), [], 'no photo recorded')
    return res.body
  }

  test('a text file sent as a JPEG (415)', () => refused('This is not a photo, just text in a .jpg', 'image/jpeg', 415, 'PHOTO_NOT_AN_IMAGE'))
  test('JSON, and no body at all (415)', async () => {
    await refused('{"photo":"x"}', 'application/json', 415, 'PHOTO_NOT_AN_IMAGE')
    const res = await fetch(`${stack.url}/api/properties/${propertyId}/photos`, { method: 'POST', headers: { cookie: owner.cookie } })
    assert.equal(res.status, 415)
  })
  test('a GIF: a real image, but not a type taken (415)', async () => {
    await refused(await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).gif().toBuffer(), 'image/gif', 415, 'PHOTO_NOT_AN_IMAGE')
  })
  test('a HEIC photo (415 PHOTO_HEIC, saying to export it as JPEG); an AVIF is not named HEIC', async () => {
    // The installed sharp cannot write HEVC (heifsave: Unsupported compression) and nothing here makes a HEIC file, so
    // this is an iPhone's header: an ftyp box of major brand heic, compatible mif1, heic, then a meta box's start.
    const ftyp = (major: string, ...compatible: string[]) => {
      const box = Buffer.alloc(16 + 4 * compatible.length)
      box.writeUInt32BE(box.length, 0)
      box.write('ftyp', 4, 'latin1')
      box.write(major, 8, 'latin1')
      compatible.forEach((b, i) => box.write(b, 16 + 4 * i, 'latin1'))
      return Buffer.concat([box, Buffer.from('\0\0\0\x22meta\0\0\0\0', 'latin1'), Buffer.alloc(200)])
    }
    const heic = await refused(ftyp('heic', 'mif1', 'heic'), 'image/heic', 415, 'PHOTO_HEIC')
    assert.match(heic.message, /HEIC.*export the photo as JPEG/)
    await refused(ftyp('mif1', 'mif1', 'heix'), 'application/octet-stream', 415, 'PHOTO_HEIC')
    // A real AVIF (sharp writes those): HEIF's container too, but not HEIC; the usual refusal.
    const avif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#345' } }).avif().toBuffer()
    await refused(avif, 'image/avif', 415, 'PHOTO_NOT_AN_IMAGE')
  })
  test('a truncated JPEG (400)', async () => {
    const jpeg = await jpegWithGps(1200, 800)
    await refused(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'image/jpeg', 400, 'PHOTO_DAMAGED')
  })
  test('a file over PHOTO_MAX_BYTES (413), saying the limit', async () => {
    const big = Buffer.concat([await jpegWithGps(100, 100), Buffer.alloc(MAX_BYTES)])
    const body = await refused(big, 'image/jpeg', 413, 'PHOTO_TOO_LARGE')
    assert.match(body.message, /4 MB/)
  })
  test('a decompression bomb: a PNG of a few hundred bytes declaring 50,000 × 50,000 pixels (413)', async () => {
    const bomb = pngBomb(50_000, 50_000)
    assert.ok(bomb.length < 1000)
    const body = await refused(bomb, 'image/png', 413, 'PHOTO_TOO_MANY_PIXELS')
    assert.match(body.message, /50000 × 50000/)
  })
})

test(`a property takes at most PHOTOS_PER_PROPERTY (${PER_PROPERTY}) photos; one more is 409 and stores nothing`, async () => {
  const { id } = await listProperty(owner)
  for (let i = 0; i < PER_PROPERTY; i++) await uploaded(id, await webpOf(400 + i, 300))
  const before = await files()
  const res = await addPhoto(id, await webpOf(480, 300))
  assert.equal(res.status, 409)
  assert.equal(res.body.code, 'TOO_MANY_PHOTOS')
  assert.deepEqual(await files(), before)
  assert.equal((await photosOf(id)).length, PER_PROPERTY)
})

describe('ordering, the cover and deleting', () => {
  test('photos are put in the order given; a list that is not every photo once is 400', async () => {
    const { id } = await listProperty(owner)
    const [a, b, c] = [await uploaded(id, await webpOf(401, 300)), await uploaded(id, await webpOf(402, 300)), await uploaded(id, await webpOf(403, 300))]
    const res = await owner.request('PUT', `/api/properties/${id}/photos/order`, { photo_ids: [c.id, a.id, b.id] })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.photos.map((p: Photo) => p.id), [c.id, a.id, b.id])
    assert.deepEqual((await photosOf(id)).map(p => p.id), [c.id, a.id, b.id])
    for (const bad of [[c.id, a.id], [c.id, a.id, a.id], [c.id, a.id, b.id, b.id + 1000]]) {
      const refused = await owner.request('PUT', `/api/properties/${id}/photos/order`, { photo_ids: bad })
      assert.equal(refused.status, 400, JSON.stringify(bad))
      assert.equal(refused.body.details[0].field, 'photo_ids')
    }
  })

  test('choosing the cover leaves exactly one; a photo of another property is 404', async () => {
    const { id } = await listProperty(owner)
    const a = await uploaded(id, await webpOf(404, 300))
    const b = await uploaded(id, await webpOf(405, 300))
    const res = await owner.request('PUT', `/api/properties/${id}/photos/cover`, { photo_id: b.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.photos.map((p: Photo) => [p.id, p.cover]), [[a.id, false], [b.id, true]])
    const other = await listProperty(owner)
    const elsewhere = await uploaded(other.id, await webpOf(406, 300))
    const wrong = await owner.request('PUT', `/api/properties/${id}/photos/cover`, { photo_id: elsewhere.id })
    assert.equal(wrong.status, 404)
  })

  test('deleting a photo removes its files; the cover moves to the first photo left', async () => {
    const { id } = await listProperty(owner)
    const a = await uploaded(id, await webpOf(407, 300))
    const b = await uploaded(id, await webpOf(408, 300))
    const names = a.variants.map(v => v.url.slice('/media/'.length))
    for (const n of names) assert.ok((await files()).includes(n))
    const res = await owner.request('DELETE', `/api/properties/${id}/photos/${a.id}`)
    assert.equal(res.status, 204)
    for (const n of names) assert.ok(!(await files()).includes(n), `${n} removed`)
    for (const v of a.variants) assert.equal((await fetch(stack.url + v.url)).status, 404)
    assert.deepEqual((await photosOf(id)).map(p => [p.id, p.cover]), [[b.id, true]])
    assert.equal((await owner.request('DELETE', `/api/properties/${id}/photos/${a.id}`)).status, 404, 'gone')
  })

  test('the same bytes on two properties share their files: deleting one keeps the other\'s', async () => {
    const bytes = await webpOf(409, 300)
    const [p, q] = [await listProperty(owner), await listProperty(owner)]
    const first = await uploaded(p.id, bytes)
    const second = await uploaded(q.id, bytes)
    assert.deepEqual(second.variants.map(v => v.url), first.variants.map(v => v.url), 'content-addressed: the same names')
    assert.equal((await owner.request('DELETE', `/api/properties/${p.id}/photos/${first.id}`)).status, 204)
    for (const v of second.variants) await checkFile(v)
  })
})

test('another owner gets 403, a traveler 403, no session 401, a missing property 404; nothing changes', async () => {
  const { id } = await listProperty(owner)
  const photo = await uploaded(id, await webpOf(410, 300))
  const jpeg = await webpOf(300, 200)
  const attempts = (who: Client) => [
    () => addPhoto(id, jpeg, 'image/webp', who),
    () => who.request('PUT', `/api/properties/${id}/photos/order`, { photo_ids: [photo.id] }),
    () => who.request('PUT', `/api/properties/${id}/photos/cover`, { photo_id: photo.id }),
    () => who.request('DELETE', `/api/properties/${id}/photos/${photo.id}`)
  ]
  for (const [who, status] of [[otherOwner, 403], [traveler, 403], [new Client(stack.url), 401]] as const) {
    for (const attempt of attempts(who)) assert.equal((await attempt()).status, status)
  }
  assert.equal((await addPhoto(999_999, jpeg, 'image/webp')).status, 404)
  assert.deepEqual(await photosOf(id), [photo])
})

test('GET /media: an unknown file is 404, a name the API never gives is 400', async () => {
  assert.equal((await fetch(`${stack.url}/media/${'0'.repeat(64)}.webp`)).status, 404)
  assert.equal((await fetch(`${stack.url}/media/..%2F..%2Fetc%2Fpasswd`)).status, 400)
})

describe('avatars', () => {
  test('an avatar becomes square WebP and JPEG crops, shown on /api/auth/me and to the other party of a booking', async () => {
    const res = await upload(traveler, '/api/me/avatar', await jpegWithGps(900, 600), 'image/jpeg', 'PUT')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.avatar.variants.map((v: Variant) => [v.width, v.height, v.type]), [
      [256, 256, 'image/webp'], [256, 256, 'image/jpeg'], [128, 128, 'image/webp'], [128, 128, 'image/jpeg'], [64, 64, 'image/webp'], [64, 64, 'image/jpeg']
    ])
    for (const v of res.body.avatar.variants) await checkFile(v)
    assert.deepEqual((await traveler.get('/api/auth/me')).body.user.avatar, res.body.avatar)

    const { id } = await listProperty(owner)
    const booking = await book(traveler, id, 30)
    const seen = await owner.get(`/api/bookings/${booking.id}`)
    assert.equal(seen.status, 200)
    assert.deepEqual(seen.body.traveler.avatar, res.body.avatar)
    assert.equal(seen.body.owner.avatar, null)
  })

  test('a new avatar replaces the old one\'s files; deleting it removes them and shows null', async () => {
    const person = await signUp(stack.url, 'traveler', 'Ava Avatar')
    const first = (await upload(person, '/api/me/avatar', await pngOf(300, 300), 'image/png', 'PUT')).body.avatar
    const second = (await upload(person, '/api/me/avatar', await webpOf(400, 300), 'image/webp', 'PUT')).body.avatar
    for (const v of first.variants) assert.ok(!(await files()).includes(v.url.slice(7)), 'the old avatar\'s files are gone')
    for (const v of second.variants) await checkFile(v)
    const res = await person.request('DELETE', '/api/me/avatar')
    assert.equal(res.status, 204)
    for (const v of second.variants) assert.equal((await fetch(stack.url + v.url)).status, 404)
    assert.equal((await person.get('/api/auth/me')).body.user.avatar, null)
  })

  test('avatars are refused like photos: not an image 415, a bomb 413, no session 401', async () => {
    const before = await files()
    assert.equal((await upload(owner, '/api/me/avatar', 'hello', 'image/jpeg', 'PUT')).status, 415)
    assert.equal((await upload(owner, '/api/me/avatar', pngBomb(), 'image/png', 'PUT')).status, 413)
    assert.equal((await upload(new Client(stack.url), '/api/me/avatar', await pngOf(10, 10), 'image/png', 'PUT')).status, 401)
    assert.deepEqual(await files(), before)
  })
})
