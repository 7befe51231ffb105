import { Type, type Static } from 'typebox'

// How a stored image appears in the API: its variants, each a URL of a content-addressed file (cached for a year),
// so a web page can build `srcset` from them (one list per type: WebP, and JPEG for browsers without it).

export const Variant = Type.Object({
  url: Type.String({ description: 'path of the file, /media/<sha-256 of its bytes>.<webp|jpg>; never changes, cached for a year' }),
  width: Type.Integer(),
  height: Type.Integer(),
  type: Type.Union([Type.Literal('image/webp'), Type.Literal('image/jpeg')])
})

export const Avatar = Type.Union([
  Type.Object({ variants: Type.Array(Variant, { description: 'square crops, widest first, WebP and JPEG of each size' }) }),
  Type.Null()
], { description: "the person's picture; null when they have none" })
export type Avatar = Static<typeof Avatar>

/** The URL of a stored file: served by the API itself (photos/routes.ts), whichever store holds it. */
export const mediaUrl = (key: string) => `/media/${key}`
