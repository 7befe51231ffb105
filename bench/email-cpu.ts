// CPU of one e-mail in the e-mail worker's own hands: `node bench/email-cpu.ts [--mails N] [--rounds R]` renders a
// booking e-mail from its templates and sends it over SMTP to a real server (support/smtp.ts, in a child process so
// its CPU is not counted), one after another, and prints this process's CPU per e-mail. Two ways, alternated R
// times (ABAB…) in one run:
//   hostly      render() and createMailer().send(), as the e-mail service calls them
//   nodemailer  the same message handed whole to nodemailer's sendMail(), which composes and streams it itself
// The ratio hostly / nodemailer is the figure (BENCHMARKS.md, "E-mail worker"). PostgreSQL and Kafka are not in it:
// the bench's live phase measures the worker whole.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import nodemailer from 'nodemailer'
import { createMailer, mailOptions } from '../src/email/mailer.ts'
import { render } from '../src/email/render.ts'
import { percentile } from './lib/stats.ts'

const { values: args } = parseArgs({ options: { mails: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } })
const MAILS = Number(args.mails)
const FROM = 'Hostly <no-reply@hostly.localhost>'

const sink = spawn(process.execPath, ['--input-type=module', '-e', `
  const { smtpSink } = await import(${JSON.stringify(new URL('../support/smtp.ts', import.meta.url).href)})
  console.log((await smtpSink({ countOnly: true })).url)`], { stdio: ['ignore', 'pipe', 'inherit'] })
const smtpUrl = await new Promise<string>((resolve, reject) => {
  createInterface({ input: sink.stdout! }).once('line', resolve)
  sink.once('exit', code => reject(new Error(`the SMTP server exited (${code}) before it listened`)))
})

const mail = (i: number) => ({
  ...render('booking_requested', {
    recipient: 'Olivia Owner',
    address: `olivia${i}@example.com`,
    headline: 'New booking request',
    summary: 'Tom Traveler asks to stay at Sea View Cottage from 12 March to 15 March 2027 (3 nights, 2 guests).',
    traveler: 'Tom Traveler',
    property: 'Sea View Cottage',
    start_date: 'Fri 12 March 2027',
    end_date: 'Mon 15 March 2027',
    nights: '3',
    guests: '2',
    total_price: '€450.00',
    when: '7 December 2026 at 20:31 UTC',
    booking_url: `http://localhost:3000/bookings/${i}`,
    settings_url: 'http://localhost:3000/settings',
    unsubscribe_url: `http://localhost:3000/unsubscribe?token=t${i}`
  }),
  to: { name: 'Olivia Owner', address: `olivia${i}@example.com` },
  messageId: `<bench-${i}@hostly.localhost>`,
  unsubscribeUrl: `http://localhost:3000/api/unsubscribe?token=t${i}`
})

const hostly = createMailer(smtpUrl, FROM)
const transport = nodemailer.createTransport(smtpUrl + '?pool=true&maxConnections=2')
const ways: Record<string, (i: number) => Promise<unknown>> = {
  hostly: i => hostly.send(mail(i)),
  nodemailer: i => transport.sendMail(mailOptions(FROM, mail(i)))
}

const cpuMsPerMail = async (send: (i: number) => Promise<unknown>) => {
  const start = process.cpuUsage()
  for (let i = 0; i < MAILS; i++) await send(i)
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / MAILS
}

try {
  for (const send of Object.values(ways)) for (let i = 0; i < 300; i++) await send(i) // connections open, code warm
  const runs: Record<string, number[]> = { hostly: [], nodemailer: [] }
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const [name, send] of Object.entries(ways)) runs[name].push(await cpuMsPerMail(send))
  }
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50)
  for (const [name, xs] of Object.entries(runs)) console.log(`${name.padEnd(10)} ${median(xs).toFixed(3)} ms of CPU per e-mail (rounds: ${xs.map(x => x.toFixed(3)).join(', ')})`)
  console.log(`hostly / nodemailer: ${(median(runs.hostly) / median(runs.nodemailer)).toFixed(2)} (${MAILS} e-mails a round, ${args.rounds} rounds)`)
} finally {
  hostly.close()
  transport.close()
  sink.kill()
}
