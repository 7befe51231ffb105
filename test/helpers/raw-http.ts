import { connect, type Socket } from 'node:net'

/** A raw TCP connection to an HTTP server: what it received, and when it closed. */
export interface RawConnection {
  socket: Socket
  received (): string
  /** Resolves with the ms from connect to close once the server (or anything) closes the socket. */
  closed: Promise<number>
}

export async function rawConnect (url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  const chunks: Buffer[] = []
  socket.on('data', c => chunks.push(c))
  socket.on('error', () => {}) // a reset is one way of being closed
  const started = Date.now()
  const closed = new Promise<number>(resolve => socket.on('close', () => resolve(Date.now() - started)))
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, received: () => Buffer.concat(chunks).toString('utf8'), closed }
}

/** Status and parsed JSON body of the first HTTP response in text. */
export function firstResponse (text: string): { status: number, headers: string, body: any } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
  const [headers, rest = ''] = text.split('\r\n\r\n')
  const length = Number(/content-length: *(\d+)/i.exec(headers)?.[1] ?? rest.length)
  const raw = rest.slice(0, length)
  return { status, headers, body: raw ? JSON.parse(raw) : undefined }
}
