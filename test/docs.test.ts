import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startStack, type Stack } from './helpers/stack.ts'

let stack: Stack
before(async () => { stack = await startStack({ kafka: false }) })
after(async () => { await stack?.stop() })

test('/docs serves the OpenAPI document built from the route schemas, and its viewer', async () => {
  const doc = await (await fetch(`${stack.url}/docs/json`)).json()
  assert.match(doc.openapi, /^3\./)
  for (const path of ['/api/auth/register', '/api/auth/login', '/api/auth/logout', '/api/auth/me', '/api/properties',
    '/api/properties/search', '/api/properties/{id}', '/api/owner/properties', '/api/bookings', '/api/bookings/me',
    '/api/owner/bookings', '/api/bookings/{id}', '/api/bookings/{id}/accept', '/api/bookings/{id}/cancel', '/api/notifications']) {
    assert.ok(doc.paths[path], `${path} is documented`)
  }
  const booking = doc.paths['/api/bookings'].post
  const body = booking.requestBody.content['application/json'].schema
  assert.deepEqual(body.required.sort(), ['end_date', 'num_guests', 'property_id', 'start_date'])
  assert.equal(body.additionalProperties, false)
  assert.ok(booking.responses['201'] && booking.responses['409'])
  const viewer = await fetch(`${stack.url}/docs`, { redirect: 'follow' })
  assert.equal(viewer.status, 200)
  assert.match(await viewer.text(), /swagger/i)
})
