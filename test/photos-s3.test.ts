import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Client, listProperty, signUp } from './helpers/http.ts'
import { jpegWithGps, pngBomb, upload, webpOf } from './helpers/images.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { S3Storage } from '../src/storage/s3.ts'
import { startS3Proxy, type S3ProxyServer } from '../support/s3proxy.ts'

// The photos on an S3-compatible object store (S3_* set): a real S3Proxy on this machine (support/s3proxy.ts),
// path-style, with a bucket of its own. Uploads land in the bucket, the API serves them with a year of caching,
// deletes remove them, refused uploads leave the bucket as it was.

let s3: S3ProxyServer
let stack: Stack
let bucket: S3Storage
let owner: Client

before(async () => {
  s3 = await startS3Proxy()
  stack = await startStack({ kafka: false, env: s3.env })
  bucket = new S3Storage({ ...stack.config.s3! })
  owner = await signUp(stack.url, 'owner', 'Sam S3')
})
after(async () => {
  await stack?.stop()
  await s3?.stop()
})

test('with S3_BUCKET set, a photo\'s variants are objects in the bucket, served by the API and removed with the photo', async () => {
  assert.equal(stack.config.s3?.endpoint, s3.endpoint)
  const { id } = await listProperty(owner)
  const res = await upload(owner, `/api/properties/${id}/photos`, await jpegWithGps(2000, 1000))
  assert.equal(res.status, 201, JSON.stringify(res.body))
  const keys = res.body.photo.variants.map((v: { url: string }) => v.url.slice('/media/'.length))
  assert.deepEqual((await bucket.list()).sort(), [...keys].sort())
  for (const v of res.body.photo.variants) {
    const file = await fetch(stack.url + v.url)
    assert.equal(file.status, 200)
    assert.equal(file.headers.get('content-type'), v.type)
    assert.equal(file.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  }
  assert.equal((await owner.request('DELETE', `/api/properties/${id}/photos/${res.body.photo.id}`)).status, 204)
  assert.deepEqual(await bucket.list(), [])
  assert.equal((await fetch(stack.url + res.body.photo.variants[0].url)).status, 404)
})

test('refused uploads leave the bucket as it was', async () => {
  const { id } = await listProperty(owner)
  const kept = await upload(owner, `/api/properties/${id}/photos`, await webpOf(640, 480), 'image/webp')
  assert.equal(kept.status, 201)
  const before = (await bucket.list()).sort()
  const jpeg = await jpegWithGps(800, 600)
  for (const [bytes, status] of [['not a photo', 415], [jpeg.subarray(0, jpeg.length >> 1), 400], [pngBomb(), 413]] as const) {
    assert.equal((await upload(owner, `/api/properties/${id}/photos`, bytes)).status, status)
  }
  assert.deepEqual((await bucket.list()).sort(), before)
})

test('avatars go to the bucket too, and leave it when deleted', async () => {
  const person = await signUp(stack.url, 'traveler', 'Ava S3')
  const res = await upload(person, '/api/me/avatar', await webpOf(500, 500), 'image/webp', 'PUT')
  assert.equal(res.status, 200)
  const keys = res.body.avatar.variants.map((v: { url: string }) => v.url.slice('/media/'.length))
  const listed = await bucket.list()
  assert.ok(keys.every((k: string) => listed.includes(k)))
  assert.equal((await person.request('DELETE', '/api/me/avatar')).status, 204)
  const after = await bucket.list()
  assert.ok(keys.every((k: string) => !after.includes(k)))
})
