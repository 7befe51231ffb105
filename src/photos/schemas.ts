import { Type } from 'typebox'
import { BodyId } from '../http/schemas.ts'
import { Variant } from '../storage/schemas.ts'

export const Photo = Type.Object({
  id: Type.Integer(),
  width: Type.Integer({ description: 'of the widest variant (the photo upright, at most 1920)' }),
  height: Type.Integer(),
  cover: Type.Boolean({ description: 'the photo search results show; one per property that has photos' }),
  variants: Type.Array(Variant, { description: 'widest first: 1920, 960 and 320 pixels wide (no wider than the original), WebP and JPEG of each' })
})

export const PhotoReply = Type.Object({ photo: Photo })
export const PhotosReply = Type.Object({ photos: Type.Array(Photo, { description: 'in their order' }) })

export const PhotoParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,24}$', description: 'must be a positive integer written without leading zeros' }),
  photo_id: Type.String({ pattern: '^[1-9][0-9]{0,24}$', description: 'must be a positive integer written without leading zeros' })
})

export const OrderBody = Type.Object({
  photo_ids: Type.Array(BodyId, { maxItems: 1000, description: 'every photo of the property, each once, in the new order' })
}, { additionalProperties: false })

export const CoverBody = Type.Object({ photo_id: BodyId }, { additionalProperties: false })

export const MediaParams = Type.Object({
  key: Type.String({ pattern: '^[0-9a-f]{64}\\.(webp|jpg)$', description: 'must be a file name as the API gives it' })
})

/** What an upload may be sent as; whatever is said, the bytes decide. */
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream']
