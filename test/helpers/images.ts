import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'

// Images for the photo tests, made here rather than kept as files: a photo with GPS in its EXIF, and the bad
// inputs the upload must refuse.

/** A JPEG of noise-free gradients (so it compresses like a photo, not like a flat colour), with GPS EXIF and an orientation. */
export async function jpegWithGps (width = 1200, height = 800, orientation = 1): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#2a6"/><stop offset="1" stop-color="#fa3"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#36c"/></svg>`
  return await sharp(Buffer.from(svg)).jpeg({ quality: 90 })
    .withMetadata({ orientation })
    .withExif({
      IFD0: { Make: 'HostlyCam', Model: 'Test 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '38/1 42/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '9/1 8/1 0/1' }
    })
    .toBuffer()
}

export const pngOf = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 4, background: { r: 200, g: 80, b: 40, alpha: 0.5 } } }).png().toBuffer()

/** A WebP of one colour, a different one for each width: photos of different widths never share their files. */
export const webpOf = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: `#${((width * 2654435761) % 0xffffff).toString(16).padStart(6, '0')}` } }).webp().toBuffer()

function chunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A decompression bomb: a valid PNG of a few hundred bytes that declares width × height pixels (all zeros, as zlib packs them). */
export function pngBomb (width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 0, 0, 0, 0], 8) // 8-bit greyscale, deflate, no filter method, no interlace
  // A few rows only: the file stays tiny; a decoder that believed the header would still allocate for all of it.
  const rows = deflateSync(Buffer.alloc((width + 1) * 4))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))])
}

/**
 * A 12-megapixel JPEG (4000 × 3000) about the size a phone makes (a few MB: grain, as a sensor has, over
 * the gradients), with GPS EXIF: for the upload→variants timing.
 */
export async function twelveMegapixels (): Promise<Buffer> {
  const grain = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 24 } } })
    .png().toBuffer()
  const base = await jpegWithGps(4000, 3000)
  return await sharp(base).composite([{ input: grain, blend: 'soft-light' }]).jpeg({ quality: 92 })
    .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '38/1 42/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '9/1 8/1 0/1' } })
    .toBuffer()
}

/** Sends a file's bytes as a signed-in client (its cookie), as the web app's upload does. */
export async function upload (client: { base: string, cookie: string }, path: string, bytes: Buffer | string, type = 'image/jpeg', method = 'POST') {
  const res = await fetch(client.base + path, { method, headers: { 'content-type': type, ...(client.cookie && { cookie: client.cookie }) }, body: bytes as BodyInit })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers }
}
