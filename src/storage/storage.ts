// Where the photos' files live, behind one small interface: a folder on the local disk (the default, so `npm start`
// needs nothing new) or an S3-compatible bucket (S3_BUCKET). Keys are content-addressed file names
// (<sha-256 of the bytes>.webp), so a key is written once and never changes: put twice is harmless.

export interface StoredFile { body: Buffer, contentType: string }

export interface Storage {
  put (key: string, body: Buffer, contentType: string): Promise<void>
  /** The file, or undefined when there is none. */
  get (key: string): Promise<StoredFile | undefined>
  /** Removes the file; no file is not an error. */
  delete (key: string): Promise<void>
  /** Every key stored, for tests and operators. */
  list (): Promise<string[]>
}

/** A key as Hostly makes them: a hex hash, a dot, an extension. Anything else is refused before it reaches a store. */
export const KEY_PATTERN = '^[0-9a-f]{64}\\.(webp|jpg)$'
const KEY = new RegExp(KEY_PATTERN)
export const isKey = (key: string) => KEY.test(key)

export const CONTENT_TYPES: Record<string, string> = { webp: 'image/webp', jpg: 'image/jpeg' }
export const contentTypeOf = (key: string) => CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream'
