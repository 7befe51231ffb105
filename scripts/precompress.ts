// A brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside each text file of a built web app: compressed
// once at build at the strongest settings, sent as they are by src/http/web.ts (@fastify/static's preCompressed).
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const TEXT = /\.(html|js|css|svg|json|txt|map)$/

export async function precompress (dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !TEXT.test(entry.name)) continue
    const file = join(entry.parentPath, entry.name)
    const data = await readFile(file)
    await writeFile(file + '.br', brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: data.length }
    }))
    await writeFile(file + '.gz', gzipSync(data, { level: 9 }))
  }
}
