import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import { after, before, test } from 'node:test'
import { createLogger } from '../src/log.ts'
import { startDevMailServer, type DevMailServer } from '../src/email/dev-server.ts'
import { createMailer, messageIdFor } from '../src/email/mailer.ts'
import { render } from '../src/email/render.ts'
import { cleanUp, run, tempDir } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'

// hostly start without SMTP_URL: the local catch-all SMTP server, the /dev/mail page and `hostly mail list`.

let stack: Stack
let server: DevMailServer
let dir: string
before(async () => {
  dir = await tempDir()
  server = await startDevMailServer(0, dir, createLogger('silent'))
  stack = await startStack({ kafka: false, pieces: { api: true, devMailDir: dir } })
})
after(async () => {
  await stack?.stop()
  await server?.stop()
  await cleanUp()
})

test('a message sent to the catch-all server is listed by hostly mail list and shown, rendered and escaped, at /dev/mail', async () => {
  const mailer = createMailer(server.url, 'Hostly <no-reply@hostly.localhost>')
  const to = `traveler-${randomUUID()}@example.com`
  const mail = render('booking_accepted', {
    recipient: 'Tom',
    headline: 'Your stay is confirmed',
    summary: 'Your request for Cliff <script>alert(1)</script> was accepted by the host.',
    property: 'Cliff <script>alert(1)</script>',
    start_date: '2030-01-01',
    end_date: '2030-01-04',
    nights: '3 nights',
    guests: '2 guests',
    total_price: '300.00',
    booking_url: 'http://app.test/bookings/7',
    settings_url: 'http://app.test/settings',
    unsubscribe_url: 'http://app.test/unsubscribe?token=t',
    address: to,
    when: '1 Jan 2030, 09:00 UTC'
  })
  const messageId = messageIdFor(randomUUID(), 7, 'Hostly <no-reply@hostly.localhost>')
  await mailer.send({ ...mail, to: { name: 'Tom', address: to }, messageId, unsubscribeUrl: 'http://app.test/preferences' })
  mailer.close()

  const listed = await run(['mail', 'list', '--json'], { MAIL_DEV_DIR: dir })
  assert.equal(listed.code, 0, listed.stderr)
  const [line] = listed.lines.map(l => JSON.parse(l))
  assert.match(line.to, new RegExp(to))
  assert.equal(line.subject, 'Your stay is confirmed: Cliff <script>alert(1)</script>, 2030-01-01 to 2030-01-04')
  assert.equal(line.messageId, messageId)

  const index = await (await fetch(`${stack.url}/dev/mail`)).text()
  assert.match(index, /Cliff &lt;script&gt;/)
  assert.doesNotMatch(index, /<script>/)
  const page = await fetch(`${stack.url}/dev/mail/${line.name}`)
  assert.equal(page.status, 200)
  const html = await page.text()
  assert.match(html, new RegExp(`<iframe data-fit sandbox="allow-same-origin" title="[^"]+" src="/dev/mail/${line.name}/html">`))
  assert.match(html, /<link rel="stylesheet" href="\/dev\/mail\/page.css">/)
  assert.doesNotMatch(html, /<style|style=/, 'no inline style: the app\'s CSP would block it')
  // The message's HTML is a document of its own, under a policy that lets its inline styles apply and no script run.
  const message = await fetch(`${stack.url}/dev/mail/${line.name}/html`)
  assert.equal(message.status, 200)
  const policy = message.headers.get('content-security-policy') ?? ''
  assert.match(policy, /default-src 'none'/)
  assert.match(policy, /sandbox/)
  assert.doesNotMatch(policy, /script-src/)
  assert.equal(message.headers.get('x-frame-options'), 'SAMEORIGIN')
  const body = await message.text()
  assert.match(body, /Cliff &lt;script&gt;/)
  assert.doesNotMatch(body, /<script>alert/)
  for (const file of ['page.css', 'page.js']) assert.equal((await fetch(`${stack.url}/dev/mail/${file}`)).status, 200, file)
  assert.match(html, /List-Unsubscribe|list-unsubscribe/)
  assert.doesNotMatch(html, /<script>alert/)
  assert.equal((await fetch(`${stack.url}/dev/mail/..%2F..%2Fetc%2Fpasswd`)).status, 404)
  assert.equal((await fetch(`${stack.url}/dev/mail/..%2F..%2Fetc%2Fpasswd/html`)).status, 404)
})

/** An address of this machine other than loopback, to reach a server as another machine would. */
const outside = Object.values(networkInterfaces()).flat().find(i => i && i.family === 'IPv4' && !i.internal)?.address

test('/dev/mail is served to this machine only: from another interface, or forwarded by a proxy, it is 403', { skip: outside ? false : 'this machine has no interface but loopback' }, async () => {
  const open = await startStack({ kafka: false, pieces: { api: true, devMailDir: dir }, env: { HOST: '0.0.0.0' } })
  try {
    const port = new URL(open.url).port
    for (const path of ['/dev/mail', '/dev/mail/anything.eml']) {
      const far = await fetch(`http://${outside}:${port}${path}`)
      assert.equal(far.status, 403, path)
      const body = await far.json()
      assert.equal(body.code, 'FORBIDDEN')
      assert.match(body.message, /this machine/)
    }
    // A proxy on this machine passing on another machine's request.
    assert.equal((await fetch(`http://127.0.0.1:${port}/dev/mail`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 403)
    assert.equal((await fetch(`http://127.0.0.1:${port}/dev/mail`)).status, 200)
    // The API itself still answers the other machine.
    assert.equal((await fetch(`http://${outside}:${port}/healthz`)).status, 200)
  } finally {
    await open.stop()
  }
})
