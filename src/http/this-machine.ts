import type { FastifyRequest } from 'fastify'
import { forbidden } from '../errors.ts'

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip']

/**
 * onRequest hook of the development pages (hostly start's /dev/mail, everyone's caught e-mail): served only to a
 * browser on this machine, whatever HOST the API listens on. The socket's peer and request.ip must be loopback,
 * and a request a proxy forwarded is another machine's even when the proxy runs here.
 */
export async function thisMachineOnly (request: FastifyRequest) {
  const local = LOOPBACK.test(request.socket.remoteAddress ?? '') && LOOPBACK.test(request.ip) &&
    !FORWARDED.some(h => request.headers[h] !== undefined)
  if (!local) throw forbidden('The development pages are served to this machine only: open them on the machine that runs hostly start.')
}
