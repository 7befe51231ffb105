import type { User } from '../auth/users.ts'
import type { Pool, Queryable } from '../db/pool.ts'
import { transaction } from '../db/pool.ts'
import { appError, badRequest, forbidden, notFound } from '../errors.ts'
import { mediaUrl } from '../storage/schemas.ts'
import type { Storage } from '../storage/storage.ts'
import { processAvatar, processPhoto, type PipelineLimits, type Processed } from './pipeline.ts'

// Photos of properties and people's avatars: the rows in PostgreSQL, the files in the media store. The files are
// written before the row that names them and removed after the row that named them is gone (and only when no other
// row names the same file: identical bytes share one key), so a row never names a missing file; a failure between
// the two leaves at worst an unused file, never a broken photo.

export interface PhotoLimits extends PipelineLimits { perProperty: number }

interface StoredVariant { key: string, url: string, width: number, height: number, type: 'image/webp' | 'image/jpeg' }

const PHOTO_JSON = 'json_build_object(\'id\', ph.id, \'width\', ph.width, \'height\', ph.height, \'cover\', ph.cover, \'variants\', ph.variants)'

const stored = (p: Processed): StoredVariant[] =>
  p.variants.map(({ key, width, height, type }) => ({ key, url: mediaUrl(key), width, height, type }))

async function storeFiles (storage: Storage, p: Processed) {
  await Promise.all(p.variants.map(v => storage.put(v.key, v.body, v.type)))
}

/** Removes the files no photo or avatar names any more. */
export async function removeUnused (db: Queryable, storage: Storage, keys: string[]) {
  for (const key of keys) {
    const { rows: [{ used }] } = await db.query(
      `SELECT EXISTS (SELECT 1 FROM property_photos WHERE variants @> $1::jsonb)
           OR EXISTS (SELECT 1 FROM users WHERE avatar @> $2::jsonb) AS used`,
      [JSON.stringify([{ key }]), JSON.stringify({ variants: [{ key }] })])
    if (!used) await storage.delete(key)
  }
}

/** Runs fn after storing the files; when fn fails, the files it would have named are removed again. */
async function withFiles<T> (db: Queryable, storage: Storage, p: Processed, fn: () => Promise<T>): Promise<T> {
  await storeFiles(storage, p)
  try {
    return await fn()
  } catch (err) {
    await removeUnused(db, storage, p.variants.map(v => v.key))
    throw err
  }
}

/** The property, which must be the user's own; locked (FOR UPDATE) when inside a transaction that changes its photos. */
async function ownProperty (db: Queryable, user: User, propertyId: string, lock = false) {
  const { rows: [row] } = await db.query(`SELECT owner_id FROM properties WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [propertyId])
  if (!row) throw notFound('Property')
  if (Number(row.owner_id) !== Number(user.id)) throw forbidden('This property is not yours.')
}

async function photoCount (db: Queryable, propertyId: string): Promise<number> {
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM property_photos WHERE property_id = $1', [propertyId])
  return n
}

function checkRoom (count: number, limits: PhotoLimits) {
  if (count >= limits.perProperty) throw appError('TOO_MANY_PHOTOS', { max: limits.perProperty })
}

/** The photos of a property, in their order. */
export async function listPhotos (db: Queryable, propertyId: string) {
  const { rows } = await db.query(
    `SELECT ${PHOTO_JSON} AS photo FROM property_photos ph WHERE property_id = $1 ORDER BY position, id`, [propertyId])
  return rows.map(r => r.photo)
}

/** The photos of each property, in their order, on the property rows given (for property JSON). */
export async function withPhotos<P extends { id: number | string }> (db: Queryable, properties: P[]): Promise<Array<P & { photos: unknown[] }>> {
  if (properties.length === 0) return []
  const { rows } = await db.query(
    `SELECT property_id, json_agg(${PHOTO_JSON} ORDER BY ph.position, ph.id) AS photos
       FROM property_photos ph WHERE property_id = ANY($1::bigint[]) GROUP BY property_id`,
    [properties.map(p => String(p.id))])
  const byProperty = new Map(rows.map(r => [String(r.property_id), r.photos]))
  return properties.map(p => ({ ...p, photos: byProperty.get(String(p.id)) ?? [] }))
}

/** Adds a photo at the end; the first one becomes the cover. Checked before the work, and again under the lock. */
export async function addPhoto (pool: Pool, storage: Storage, limits: PhotoLimits, user: User, propertyId: string, bytes: Buffer) {
  await ownProperty(pool, user, propertyId)
  checkRoom(await photoCount(pool, propertyId), limits)
  const processed = await processPhoto(bytes, limits)
  return await withFiles(pool, storage, processed, () => transaction(pool, async (db) => {
    await ownProperty(db, user, propertyId, true)
    const count = await photoCount(db, propertyId)
    checkRoom(count, limits)
    const { rows: [{ photo }] } = await db.query(
      `INSERT INTO property_photos AS ph (property_id, position, cover, width, height, variants)
       VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM property_photos WHERE property_id = $1), $2, $3, $4, $5)
       RETURNING ${PHOTO_JSON} AS photo`,
      [propertyId, count === 0, processed.width, processed.height, JSON.stringify(stored(processed))])
    return photo
  }))
}

/** Puts the photos in the order given: every photo of the property, each once. */
export async function reorderPhotos (pool: Pool, user: User, propertyId: string, photoIds: number[]) {
  return await transaction(pool, async (db) => {
    await ownProperty(db, user, propertyId, true)
    const { rows } = await db.query('SELECT id FROM property_photos WHERE property_id = $1', [propertyId])
    const have = new Set(rows.map(r => Number(r.id)))
    if (photoIds.length !== have.size || new Set(photoIds).size !== have.size || !photoIds.every(id => have.has(id))) {
      throw badRequest('must list every photo of the property once, and no other', 'photo_ids')
    }
    await db.query(
      `UPDATE property_photos ph SET position = o.n FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, n)
        WHERE ph.id = o.id AND ph.property_id = $1`, [propertyId, photoIds])
    return await listPhotos(db, propertyId)
  })
}

/** Makes one photo of the property its cover (the one search results show). */
export async function setCover (pool: Pool, user: User, propertyId: string, photoId: number) {
  return await transaction(pool, async (db) => {
    await ownProperty(db, user, propertyId, true)
    const { rowCount } = await db.query('SELECT 1 FROM property_photos WHERE id = $1 AND property_id = $2', [photoId, propertyId])
    if (!rowCount) throw notFound('Photo')
    await db.query('UPDATE property_photos SET cover = false WHERE property_id = $1 AND cover', [propertyId])
    await db.query('UPDATE property_photos SET cover = true WHERE id = $1', [photoId])
    return await listPhotos(db, propertyId)
  })
}

/** Deletes a photo and then its files; when it was the cover, the first photo left becomes the cover. */
export async function deletePhoto (pool: Pool, storage: Storage, user: User, propertyId: string, photoId: string) {
  const variants = await transaction(pool, async (db) => {
    await ownProperty(db, user, propertyId, true)
    const { rows: [row] } = await db.query(
      'DELETE FROM property_photos WHERE id = $1 AND property_id = $2 RETURNING cover, variants', [photoId, propertyId])
    if (!row) throw notFound('Photo')
    if (row.cover) {
      await db.query(`UPDATE property_photos SET cover = true
                       WHERE id = (SELECT id FROM property_photos WHERE property_id = $1 ORDER BY position, id LIMIT 1)`, [propertyId])
    }
    return row.variants as StoredVariant[]
  })
  await removeUnused(pool, storage, variants.map(v => v.key))
}

/** Sets the user's avatar (replacing any), then removes the old one's files. */
export async function setAvatar (pool: Pool, storage: Storage, limits: PipelineLimits, userId: number, bytes: Buffer) {
  const processed = await processAvatar(bytes, limits)
  const avatar = { variants: stored(processed) }
  const old = await withFiles(pool, storage, processed, () => replaceAvatar(pool, userId, avatar))
  const kept = new Set(avatar.variants.map(v => v.key))
  await removeUnused(pool, storage, old.filter(k => !kept.has(k)))
  return avatar
}

/** Removes the user's avatar and its files. */
export async function deleteAvatar (pool: Pool, storage: Storage, userId: number) {
  await removeUnused(pool, storage, await replaceAvatar(pool, userId, null))
}

/** Sets users.avatar; answers the keys of the one it replaced. */
async function replaceAvatar (db: Queryable, userId: number, avatar: { variants: StoredVariant[] } | null): Promise<string[]> {
  const { rows: [row] } = await db.query(
    `UPDATE users u SET avatar = $2 FROM (SELECT avatar FROM users WHERE id = $1 FOR UPDATE) old
      WHERE u.id = $1 RETURNING old.avatar`, [userId, avatar && JSON.stringify(avatar)])
  return ((row?.avatar?.variants ?? []) as StoredVariant[]).map(v => v.key)
}
