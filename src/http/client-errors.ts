import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { ERRORS, type ErrorCode } from '../errors.ts'

// Errors Node's HTTP parser meets before Fastify sees a request (headers too large, not HTTP, too slow).
// They answer with the contract's { code, message } body like every other error, and are logged at debug:
// a client sending garbage is not an incident of ours.

const ANSWERS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT'
}

export function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code = ANSWERS[err.code ?? '']
  const status = code ? ERRORS[code].status : ERRORS.BAD_REQUEST.status
  const message = code ? ERRORS[code].message : 'The request is not valid HTTP.'
  this.log.debug({ err: err.message, code: err.code }, 'client error')
  if (socket.writable) {
    const body = JSON.stringify({ code: code ?? 'BAD_REQUEST', message })
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}
