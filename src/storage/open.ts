import type { Config } from '../config.ts'
import { LocalStorage } from './local.ts'
import type { S3Storage } from './s3.ts'
import type { Storage } from './storage.ts'

/**
 * The store the configuration names: S3 when S3_BUCKET is set, else the folder MEDIA_DIR. The S3 client (the AWS
 * SDK, tens of MiB) is loaded only when S3 is configured, by the first call that needs it.
 */
export function openStorage (config: Pick<Config, 's3' | 'mediaDir'>): Storage {
  const s3 = config.s3
  if (!s3) return new LocalStorage(config.mediaDir)
  let store: Promise<S3Storage> | undefined
  const open = () => (store ??= import('./s3.ts').then(m => new m.S3Storage(s3)))
  return {
    put: async (key, body, contentType) => (await open()).put(key, body, contentType),
    get: async key => (await open()).get(key),
    delete: async key => (await open()).delete(key),
    list: async () => (await open()).list()
  }
}
