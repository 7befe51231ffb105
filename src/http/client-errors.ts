import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'

// Errors Node's HTTP parser meets before Fastify sees a request (headers too large, not HTTP, too slow).
// They answer with the contract's { code, message } body like every other error, and are logged at debug:
// a client sending garbage is not an incident of ours.

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive.']
}

export function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] = ANSWERS[err.code ?? ''] ?? [400, 'BAD_REQUEST', 'The request is not valid HTTP.']
  this.log.debug({ err: err.message, code: err.code }, 'client error')
  if (socket.writable) {
    const body = JSON.stringify({ code, message })
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}
