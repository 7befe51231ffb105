import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { S3Settings } from '../config.ts'
import { contentTypeOf, isKey, type Storage, type StoredFile } from './storage.ts'

/**
 * Files in a bucket of any S3-compatible store. Checksums only when the operation requires them: stores other
 * than AWS (S3Proxy, older MinIO) do not all take the SDK's newer default CRC32 headers.
 */
export class S3Storage implements Storage {
  private readonly client: S3Client
  private readonly bucket: string

  constructor (s3: S3Settings) {
    this.bucket = s3.bucket
    this.client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: s3.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED'
    })
  }

  private check (key: string): string {
    if (!isKey(key)) throw new Error(`not a media key: ${key}`)
    return key
  }

  async put (key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.check(key), Body: body, ContentType: contentType }))
  }

  async get (key: string): Promise<StoredFile | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.check(key) }))
      const bytes = await answer.Body!.transformToByteArray()
      return { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType: contentTypeOf(key) }
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined
      throw err
    }
  }

  async delete (key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.check(key) }))
  }

  async list (): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }))
      keys.push(...(page.Contents ?? []).map(o => o.Key!).filter(isKey))
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    return keys
  }
}
