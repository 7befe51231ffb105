import type { Config } from '../config.ts'
import { LocalStorage } from './local.ts'
import { S3Storage } from './s3.ts'
import type { Storage } from './storage.ts'

/** The store the configuration names: S3 when S3_BUCKET is set, else the folder MEDIA_DIR. */
export function openStorage (config: Pick<Config, 's3' | 'mediaDir'>): Storage {
  return config.s3 ? new S3Storage(config.s3) : new LocalStorage(config.mediaDir)
}
