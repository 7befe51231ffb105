import assert from 'node:assert/strict'
import { test } from 'node:test'
import { simpleParser } from 'mailparser'
import { compose, type Mail } from '../../src/email/mailer.ts'
import { serialize } from '../../src/email/mime.ts'
import { render } from '../../src/email/render.ts'

// serialize() writes a composed message in one pass instead of through nodemailer's streams (mime.ts): for every
// kind of content Hostly sends, its bytes are the ones nodemailer's own build() gives for the same message.

const FROM = 'Hostly <no-reply@hostly.localhost>'

const mail = (over: Partial<Mail>): Mail => ({
  subject: 'Booking request',
  text: 'Hello,\nyour stay is booked.\n',
  html: '<p>Hello,</p>\n<p>your stay is booked.</p>\n',
  to: { name: 'Olivia Owner', address: 'olivia@example.com' },
  messageId: '<0123456789abcdef@hostly.localhost>',
  ...over
})

const BOOKING = {
  recipient: 'Olivia Owner',
  address: 'olivia@example.com',
  headline: 'New booking request',
  summary: 'Tom asks to stay 3 nights.',
  traveler: 'Tom Traveler',
  property: 'Sea View Cottage — “Ålesund”',
  start_date: 'Fri 12 March 2027',
  end_date: 'Mon 15 March 2027',
  nights: '3',
  guests: '2',
  total_price: '€450.00',
  when: '7 December 2026',
  booking_url: 'http://localhost:3000/bookings/1',
  settings_url: 'http://localhost:3000/settings',
  unsubscribe_url: 'http://localhost:3000/unsubscribe?token=t'
}

const cases: Record<string, Mail> = {
  'plain ASCII with short lines (7bit)': mail({}),
  'non-ASCII text, name and subject (quoted-printable, encoded words)': mail({
    subject: 'Zoë’s request: 12 März → 15 März',
    text: 'Grüße aus Köln — €450.00 for 3 nights\n',
    html: '<p>Grüße aus <b>Köln</b> — €450.00</p>\n',
    to: { name: 'Zoë Ångström', address: 'zoe@example.com' }
  }),
  'lines longer than 76 characters, trailing spaces, a line that is a dot': mail({
    text: `${'a long line of words '.repeat(12)}\nends with spaces   \n.\n..two dots\n`,
    html: `<p>${'x'.repeat(300)}</p>\n`
  }),
  'a display name with quotes, commas and a backslash': mail({ to: { name: 'Smith, "Jo" \\ Ann', address: 'jo@example.com' } }),
  'the unsubscribe headers': mail({ unsubscribeUrl: 'https://hostly.example/api/unsubscribe?token=abc.def' }),
  'CRLF line breaks and an empty HTML part': mail({ text: 'one\r\ntwo\r\n', html: '' }),
  'a booking e-mail from its templates': mail({
    ...render('booking_requested', BOOKING),
    unsubscribeUrl: 'http://localhost:3000/api/unsubscribe?token=t'
  })
}

for (const [name, m] of Object.entries(cases)) {
  test(`the same bytes as nodemailer's build(): ${name}`, async () => {
    const message = compose(FROM, m)
    const ours = serialize(message).toString()
    const theirs = (await message.build()).toString()
    assert.equal(ours, theirs)
    // And a mail reader reads back what was sent.
    const read = await simpleParser(ours)
    assert.equal(read.subject, m.subject)
    assert.equal(read.messageId, m.messageId)
    assert.equal(read.text?.replace(/\r\n/g, '\n').trimEnd(), m.text.replace(/\r\n/g, '\n').trimEnd())
    if (m.html) assert.equal(String(read.html).trimEnd(), m.html.trimEnd())
    const to = Array.isArray(read.to) ? read.to[0] : read.to
    assert.deepEqual(to?.value, [{ name: m.to.name, address: m.to.address }])
  })
}
