import { createHash } from 'node:crypto'
import type { Metadata, ResizeOptions } from 'sharp'
import { appError } from '../errors.ts'

// What an upload becomes: the server decides what the file is from its bytes (never its name or Content-Type),
// refuses what it cannot take before decoding anything it need not, and makes sized variants, WebP and a JPEG
// fallback, each named by the SHA-256 of its own bytes. Nothing of the original is kept: the variants are new
// encodes from the pixels, turned upright by the EXIF orientation first, so no metadata (EXIF GPS, camera, ICC
// names) survives. Everything is made in memory; the caller stores the files only once every one exists.

export interface Variant {
  /** <sha-256 of body>.webp or .jpg: the file name in the media store. */
  key: string
  body: Buffer
  width: number
  height: number
  type: 'image/webp' | 'image/jpeg'
}

export interface Processed { width: number, height: number, variants: Variant[] }

export interface PipelineLimits { maxPixels: number }

/** Widths of a property photo's variants (CSS pixels × density: a phone's full width, a column, a desktop screen). */
export const PHOTO_WIDTHS = [1920, 960, 320]
/** Sides of an avatar's square variants (a 32, 64 or 128 px avatar at 2× density). */
export const AVATAR_SIDES = [256, 128, 64]

type Format = 'jpeg' | 'png' | 'webp'

let loading: Promise<typeof import('sharp')> | undefined
/** sharp (libvips, tens of MiB), loaded by the first photo or avatar an API process handles, not at its start. */
const lib = async () => (await (loading ??= import('sharp'))).default

/** The format from the first bytes: JPEG's SOI marker, PNG's signature, WebP's RIFF/WEBP header. */
export function sniff (bytes: Buffer): Format | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png'
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp'
  return undefined
}

// The brands of an ISO-BMFF `ftyp` box that mean a HEIF image: HEIC's (HEVC, an iPhone's default) and HEIF's own
// (mif1, msf1). AVIF files carry mif1 too, but also avif or avis: those stay PHOTO_NOT_AN_IMAGE, not named as HEIC.
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1'])
const AVIF_BRANDS = new Set(['avif', 'avis'])

/**
 * Whether the bytes are a HEIC/HEIF image: an `ftyp` box first, whose major or compatible brands name HEIF. The
 * sharp build here cannot read them (its libheif decodes AVIF only, with no HEVC decoder), so they are refused with
 * words that say what to do instead.
 */
export function isHeic (bytes: Buffer): boolean {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return false
  const size = Math.min(bytes.readUInt32BE(0), bytes.length, 4096)
  const brands: string[] = [bytes.toString('latin1', 8, 12)]
  for (let at = 16; at + 4 <= size; at += 4) brands.push(bytes.toString('latin1', at, at + 4))
  return brands.some(b => HEIF_BRANDS.has(b)) && !brands.some(b => AVIF_BRANDS.has(b))
}

/** The declared size, from the header only; refuses a bomb before a pixel is decoded. */
async function checkHeader (bytes: Buffer, format: Format, limits: PipelineLimits) {
  let meta: Metadata
  const sharp = await lib()
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch {
    throw appError('PHOTO_DAMAGED')
  }
  if (meta.format !== format || !meta.width || !meta.height) throw appError('PHOTO_NOT_AN_IMAGE')
  if (meta.width * meta.height > limits.maxPixels) {
    throw appError('PHOTO_TOO_MANY_PIXELS', { width: meta.width, height: meta.height, max: Math.floor(limits.maxPixels / 1e6 * 10) / 10 })
  }
}

const name = (body: Buffer, ext: string) => `${createHash('sha256').update(body).digest('hex')}.${ext}`

/** Decodes the whole image once (upright, no wider than `widest`), as raw pixels the variants are encoded from. */
async function decode (bytes: Buffer, limits: PipelineLimits, resize: ResizeOptions) {
  const sharp = await lib()
  try {
    // failOn 'error': a truncated or corrupt image fails here; a mere warning (odd markers phones write) does not.
    return await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' })
      .rotate().resize({ ...resize, withoutEnlargement: true }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
  } catch {
    throw appError('PHOTO_DAMAGED')
  }
}

async function encode (raw: Awaited<ReturnType<typeof decode>>, resize: ResizeOptions): Promise<Variant[]> {
  const { data, info } = raw
  const sharp = await lib()
  const base = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .resize({ ...resize, withoutEnlargement: true })
  const [webp, jpeg] = await Promise.all([
    base().webp({ quality: 80 }).toBuffer({ resolveWithObject: true }),
    base().flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: true }).toBuffer({ resolveWithObject: true })
  ])
  return [
    { key: name(webp.data, 'webp'), body: webp.data, width: webp.info.width, height: webp.info.height, type: 'image/webp' },
    { key: name(jpeg.data, 'jpg'), body: jpeg.data, width: jpeg.info.width, height: jpeg.info.height, type: 'image/jpeg' }
  ]
}

async function check (bytes: Buffer, limits: PipelineLimits) {
  const format = sniff(bytes)
  if (!format) throw appError(isHeic(bytes) ? 'PHOTO_HEIC' : 'PHOTO_NOT_AN_IMAGE')
  await checkHeader(bytes, format, limits)
}

/** A property photo: variants PHOTO_WIDTHS wide (never wider than the original), WebP and JPEG each. */
export async function processPhoto (bytes: Buffer, limits: PipelineLimits): Promise<Processed> {
  await check(bytes, limits)
  const raw = await decode(bytes, limits, { width: PHOTO_WIDTHS[0] })
  const widths = [...new Set(PHOTO_WIDTHS.map(w => Math.min(w, raw.info.width)))]
  const variants = (await Promise.all(widths.map(width => encode(raw, { width })))).flat()
  return { width: raw.info.width, height: raw.info.height, variants }
}

/** An avatar: square crops AVATAR_SIDES on a side, centred on what draws the eye (sharp's attention strategy). */
export async function processAvatar (bytes: Buffer, limits: PipelineLimits): Promise<Processed> {
  await check(bytes, limits)
  const { strategy } = await lib()
  const square = (side: number): ResizeOptions => ({ width: side, height: side, fit: 'cover', position: strategy.attention })
  const raw = await decode(bytes, limits, square(AVATAR_SIDES[0]))
  const sides = [...new Set(AVATAR_SIDES.map(s => Math.min(s, raw.info.width, raw.info.height)))]
  const variants = (await Promise.all(sides.map(side => encode(raw, square(side))))).flat()
  return { width: raw.info.width, height: raw.info.height, variants }
}
