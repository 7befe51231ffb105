import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { currentUser, requireUser } from '../auth/guard.ts'
import type { Pool } from '../db/pool.ts'
import { appError, notFound } from '../errors.ts'
import { errorHandler } from '../http/error-handler.ts'
import { SESSION } from '../http/openapi.ts'
import { errors, IdParams, noBody, parseId } from '../http/schemas.ts'
import { Avatar } from '../storage/schemas.ts'
import type { Storage } from '../storage/storage.ts'
import { CoverBody, MediaParams, OrderBody, PhotoParams, PhotoReply, PhotosReply, UPLOAD_TYPES } from './schemas.ts'
import { addPhoto, deleteAvatar, deletePhoto, reorderPhotos, setAvatar, setCover, type PhotoLimits } from './service.ts'

export interface PhotoOptions { pool: Pool, storage: Storage, limits: PhotoLimits & { maxBytes: number } }

/** A year: every file's name is the hash of its bytes, so what a URL names never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024 * 10) / 10} MB`

/**
 * The upload routes' body: the file's bytes as they are (any Content-Type: the bytes decide), up to maxBytes for
 * these routes only; every other route keeps the 64 KiB JSON limit. Over it, the error says the photo limit.
 */
function takeRawBodies (app: FastifyInstance, maxBytes: number) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body))
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    errorHandler(err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? appError('PHOTO_TOO_LARGE', { max: megabytes(maxBytes) }) as never : err, request, reply))
}

const bytesOf = (body: unknown): Buffer => {
  if (!Buffer.isBuffer(body)) throw appError('PHOTO_NOT_AN_IMAGE')
  return body
}

const uploads: FastifyPluginAsync<PhotoOptions> = async (fastify, { pool, storage, limits }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  takeRawBodies(app, limits.maxBytes)

  app.post('/api/properties/:id/photos', {
    onRequest: requireUser(pool, 'owner'),
    bodyLimit: limits.maxBytes,
    schema: {
      'x-raw-body': UPLOAD_TYPES,
      tags: ['photos'],
      operationId: 'uploadPropertyPhoto',
      summary: "Add a photo to one of your properties (owners): the file's bytes as the body; the first photo becomes the cover",
      security: SESSION,
      params: IdParams,
      response: { 201: PhotoReply, ...errors(400, 401, 403, 404, 409, 413, 415) }
    }
  }, async (request, reply) => {
    const photo = await addPhoto(pool, storage, limits, currentUser(request), parseId(request.params.id), bytesOf(request.body))
    return reply.status(201).send({ photo })
  })

  app.put('/api/me/avatar', {
    onRequest: requireUser(pool),
    bodyLimit: limits.maxBytes,
    schema: {
      'x-raw-body': UPLOAD_TYPES,
      tags: ['photos'],
      operationId: 'setAvatar',
      summary: "Set your avatar (replacing any): the picture's bytes as the body, cropped square",
      security: SESSION,
      response: { 200: Type.Object({ avatar: Avatar }), ...errors(400, 401, 403, 413, 415) }
    }
  }, async (request) => ({ avatar: await setAvatar(pool, storage, limits, currentUser(request).id, bytesOf(request.body)) }))
}

export const photoRoutes: FastifyPluginAsync<PhotoOptions> = async (fastify, options) => {
  const { pool, storage } = options
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  await app.register(uploads, options)
  const owner = requireUser(pool, 'owner')

  app.put('/api/properties/:id/photos/order', {
    onRequest: owner,
    schema: {
      tags: ['photos'],
      operationId: 'orderPropertyPhotos',
      summary: "Put your property's photos in a new order (owners)",
      security: SESSION,
      params: IdParams,
      body: OrderBody,
      response: { 200: PhotosReply, ...errors(400, 401, 403, 404, 413) }
    }
  }, async (request) => ({ photos: await reorderPhotos(pool, currentUser(request), parseId(request.params.id), request.body.photo_ids) }))

  app.put('/api/properties/:id/photos/cover', {
    onRequest: owner,
    schema: {
      tags: ['photos'],
      operationId: 'setPropertyCover',
      summary: "Choose your property's cover photo, the one search results show (owners)",
      security: SESSION,
      params: IdParams,
      body: CoverBody,
      response: { 200: PhotosReply, ...errors(400, 401, 403, 404, 413) }
    }
  }, async (request) => ({ photos: await setCover(pool, currentUser(request), parseId(request.params.id), request.body.photo_id) }))

  app.delete('/api/properties/:id/photos/:photo_id', {
    onRequest: owner,
    preValidation: noBody,
    schema: {
      tags: ['photos'],
      operationId: 'deletePropertyPhoto',
      summary: 'Delete a photo of your property and its files (owners); the next photo becomes the cover if it was',
      security: SESSION,
      params: PhotoParams,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    const { id, photo_id: photoId } = request.params
    await deletePhoto(pool, storage, currentUser(request), parseId(id), parseId(photoId, 'photo_id'))
    return reply.status(204).send(null)
  })

  app.delete('/api/me/avatar', {
    onRequest: requireUser(pool),
    preValidation: noBody,
    schema: {
      tags: ['photos'],
      operationId: 'deleteAvatar',
      summary: 'Remove your avatar and its files',
      security: SESSION,
      response: { 204: Type.Null(), ...errors(400, 401, 403) }
    }
  }, async (request, reply) => {
    await deleteAvatar(pool, storage, currentUser(request).id)
    return reply.status(204).send(null)
  })

  app.get('/media/:key', {
    schema: {
      tags: ['photos'],
      operationId: 'getMedia',
      summary: 'A photo or avatar file, by the name the API gave it; cached for a year (the name is the hash of the bytes)',
      params: MediaParams,
      response: {
        200: { description: 'the file', content: { 'image/webp': { schema: { type: 'string', format: 'binary' } }, 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
        ...errors(400, 404)
      }
    }
  }, async (request, reply) => {
    const file = await storage.get(request.params.key)
    if (!file) throw notFound('File')
    return reply.type(file.contentType).header('cache-control', IMMUTABLE).header('etag', `"${request.params.key.split('.')[0]}"`).send(file.body as never) // bytes, which the 200 schema describes as binary
  })
}
