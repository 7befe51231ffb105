import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { precompress } from '../scripts/precompress.ts'
import { listProperty, signUp } from './helpers/http.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// Answers compressed as Accept-Encoding allows (src/http/compression.ts) and the web app's files precompressed at
// build (scripts/precompress.ts) and sent as such (src/http/web.ts). node:http, unlike fetch, leaves the bytes as
// they came over the wire, so what is measured here is what a browser receives.

let stack: Stack
let dist: string
const script = 'console.log("hostly");\n'.repeat(2000) // 46 KiB of very compressible JavaScript

before(async () => {
  dist = await mkdtemp(join(tmpdir(), 'hostly-dist-'))
  await mkdir(join(dist, 'assets'))
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Hostly</title>' + '<!-- padding -->'.repeat(100) + '<script type="module" src="/assets/app-1.js"></script>')
  await writeFile(join(dist, 'assets/app-1.js'), script)
  await writeFile(join(dist, 'assets/logo.png'), Buffer.alloc(2000, 7)) // not text: no copies
  await precompress(dist)
  stack = await startStack({ kafka: false, env: { WEB_DIST: dist } })
  const owner = await signUp(stack.url, 'owner')
  for (let i = 0; i < 8; i++) await listProperty(owner, { name: `Compressed place ${i}`, description: 'A long description. '.repeat(20) })
})

after(async () => {
  await stack?.stop()
  await rm(dist, { recursive: true, force: true })
})

interface Raw { status: number, headers: Record<string, string | string[] | undefined>, bytes: Buffer }
function get (path: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(stack.url + path, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject).end()
  })
}

const decode = (r: Raw) => r.headers['content-encoding'] === 'br'
  ? brotliDecompressSync(r.bytes)
  : r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.bytes) : r.bytes

test('a JSON answer is sent in brotli, else gzip, as Accept-Encoding allows, and raw to a client that asks for neither', async () => {
  const raw = await get('/api/properties/search?limit=8', 'identity')
  assert.equal(raw.status, 200)
  assert.equal(raw.headers['content-encoding'], undefined)
  assert.ok(raw.bytes.length > 4000, `a search of 8 places is ${raw.bytes.length} bytes`)
  for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip', 'gzip'], ['', undefined]] as const) {
    const r = await get('/api/properties/search?limit=8', accept)
    assert.equal(r.status, 200, accept)
    assert.equal(r.headers['content-encoding'], encoding, accept)
    assert.deepEqual(JSON.parse(decode(r).toString('utf8')), JSON.parse(raw.bytes.toString('utf8')), accept)
    if (!encoding) continue
    assert.match(String(r.headers.vary), /accept-encoding/i, accept)
    assert.ok(r.bytes.length < raw.bytes.length / 4, `${accept}: ${r.bytes.length} of ${raw.bytes.length} bytes`)
  }
})

test('a small answer (under 1 KiB) and an error stay readable: the small one raw', async () => {
  const small = await get('/api/properties/search?limit=1&location=nowhere-at-all', 'br, gzip')
  assert.equal(small.status, 200)
  assert.equal(small.headers['content-encoding'], undefined)
  assert.deepEqual(JSON.parse(small.bytes.toString('utf8')), { properties: [], total: 0, total_exact: true })
  const bad = await get('/api/properties/search?guests=0', 'br, gzip')
  assert.equal(bad.status, 400)
  assert.equal(JSON.parse(decode(bad).toString('utf8')).code, 'VALIDATION_ERROR')
})

test('the web app\'s files are sent as precompressed at build, the same bytes a browser unpacks', async () => {
  const built = await readFile(join(dist, 'assets/app-1.js'))
  const br = await get('/assets/app-1.js', 'gzip, deflate, br')
  assert.equal(br.status, 200)
  assert.equal(br.headers['content-encoding'], 'br')
  assert.match(String(br.headers['content-type']), /javascript/)
  assert.deepEqual(br.bytes, await readFile(join(dist, 'assets/app-1.js.br')), 'the file written at build, not compressed again')
  assert.deepEqual(decode(br), built)
  const gz = await get('/assets/app-1.js', 'gzip')
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.deepEqual(decode(gz), built)
  const plain = await get('/assets/app-1.js', 'identity')
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.deepEqual(plain.bytes, built)
  // A client route gets index.html, precompressed too.
  const page = await get('/trips', 'br')
  assert.equal(page.status, 200)
  assert.equal(page.headers['content-encoding'], 'br')
  assert.match(decode(page).toString('utf8'), /<script type="module" src="\/assets\/app-1.js">/)
  const png = await get('/assets/logo.png', 'br, gzip')
  assert.equal(png.headers['content-encoding'], undefined, 'an image is not text: sent as it is')
})
