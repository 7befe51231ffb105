import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { stay } from './wait.ts'

export interface Reply<T = any> { status: number, body: T, headers: Headers }

/** An HTTP client with its own cookie jar: one signed-in (or anonymous) user. */
export class Client {
  readonly base: string
  cookie = ''
  user: { id: number, name: string, email: string, role: string } | undefined

  constructor (base: string) {
    this.base = base
  }

  async request<T = any> (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    // A Buffer is sent as it is (a photo's bytes), anything else as JSON.
    const raw = typeof body === 'string' || body === undefined || Buffer.isBuffer(body) ? body : JSON.stringify(body)
    const type = Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json'
    const res = await this.send(this.base + path, {
      method,
      headers: { ...(raw !== undefined && { 'content-type': type }), ...(this.cookie && { cookie: this.cookie }), ...headers },
      body: raw
    })
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers }
  }

  get<T = any> (path: string) { return this.request<T>('GET', path) }
  post<T = any> (path: string, body?: unknown) { return this.request<T>('POST', path, body) }

  protected send (url: string, init: { method: string, headers: Record<string, string>, body?: string | Buffer }): Promise<Response> {
    return fetch(url, init as RequestInit)
  }
}

/**
 * A client on another machine, as a proxy sees it: its connections leave from localAddress (any of 127.0.0.0/8
 * is this machine's loopback, so 127.0.0.2, 127.0.0.3… are different clients to the proxy).
 */
export class ClientFrom extends Client {
  readonly localAddress: string

  constructor (base: string, localAddress: string) {
    super(base)
    this.localAddress = localAddress
  }

  protected override send (url: string, init: { method: string, headers: Record<string, string>, body?: string | Buffer }): Promise<Response> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: init.method, headers: init.headers, localAddress: this.localAddress, agent: false }, res => {
        const chunks: Buffer[] = []
        res.on('data', chunk => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const headers = new Headers()
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1])
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }))
        })
      })
      req.on('error', reject)
      req.end(init.body)
    })
  }
}

/** The client's cookie signs no one in: GET /api/auth/me answers 200 with user null (never an error). */
export async function assertSignedOut (client: Pick<Client, 'get'>, what?: string) {
  const res = await client.get('/api/auth/me')
  assert.equal(res.status, 200, what)
  assert.deepEqual(res.body, { user: null }, what)
}

export async function signUp (base: string, role: 'owner' | 'traveler', name = role === 'owner' ? 'Olivia Owner' : 'Tom Traveler') {
  const client = new Client(base)
  const email = `${role}-${randomUUID()}@example.com`
  const res = await client.post('/api/auth/register', { name, email, password: 'correct horse', role })
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`)
  client.user = res.body.user
  return client
}

export const propertyInput = (over: Record<string, unknown> = {}) => ({
  name: 'Harbour Loft',
  description: 'Two rooms over the harbour',
  city: 'Lisbon',
  state: 'Lisboa',
  country: 'Portugal',
  property_type: 'apartment',
  price_per_night: 120.5,
  bedrooms: 2,
  bathrooms: 1,
  max_guests: 4,
  amenities: ['wifi', 'kitchen'],
  ...over
})

export async function listProperty (owner: Client, over: Record<string, unknown> = {}) {
  const res = await owner.post('/api/properties', propertyInput(over))
  if (res.status !== 201) throw new Error(`property failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.property as { id: number, owner_id: number, price_per_night: number, name: string }
}

export async function book (traveler: Client, propertyId: number, inDays: number, nights = 3, guests = 2) {
  const res = await traveler.post('/api/bookings', { property_id: propertyId, ...stay(inDays, nights), num_guests: guests })
  if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.booking as { id: number, property_id: number, traveler_id: number, status: string, start_date: string, end_date: string, total_price: number }
}
