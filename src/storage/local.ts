import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { contentTypeOf, isKey, type Storage, type StoredFile } from './storage.ts'

/** Files in one folder (MEDIA_DIR). A file is written under a temporary name and renamed: never seen half-written. */
export class LocalStorage implements Storage {
  readonly root: string

  constructor (root: string) {
    this.root = resolve(root)
  }

  private path (key: string): string {
    if (!isKey(key)) throw new Error(`not a media key: ${key}`)
    return join(this.root, key)
  }

  async put (key: string, body: Buffer): Promise<void> {
    const path = this.path(key)
    await mkdir(this.root, { recursive: true })
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    await writeFile(tmp, body)
    await rename(tmp, path)
  }

  async get (key: string): Promise<StoredFile | undefined> {
    try {
      return { body: await readFile(this.path(key)), contentType: contentTypeOf(key) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async delete (key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }

  async list (): Promise<string[]> {
    try {
      return (await readdir(this.root)).filter(isKey)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
  }
}
