import compress from '@fastify/compress'
import type { FastifyInstance } from 'fastify'

// Answers are compressed as the client's Accept-Encoding allows: brotli first, then gzip (Vary: Accept-Encoding).
// Brotli at quality 4 (@fastify/compress's default): near gzip -9's size at a fraction of quality 11's CPU, which
// a JSON answer built per request cannot afford. Answers under 1 KiB stay raw: the headers would outweigh the gain.
// The web app's files are compressed once, at build (scripts/build-web.ts), and served as such by web.ts; an
// answer that already carries a Content-Encoding is left alone. Request bodies are never inflated: Hostly's are
// small JSON, and a compressed one stays a 400 as before rather than a way round the body limit.

export async function compressAnswers (app: FastifyInstance) {
  await app.register(compress, { encodings: ['br', 'gzip'], threshold: 1024, globalDecompression: false })
}
