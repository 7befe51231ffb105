import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** One template pair per kind of message: templates/<kind>.txt (its first line "Subject: …") and <kind>.html. */
export type Kind = 'booking_requested' | 'booking_accepted' | 'booking_cancelled' | 'message_digest' | 'review_published' | 'password_reset' | 'email_change'

export const TEMPLATES_DIR = join(import.meta.dirname, 'templates')

export interface Rendered { subject: string, text: string, html: string }

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, c => HTML[c])

/** A value to fill in: a string, or lines (a list: one line each in the text, separated by <br> in HTML). */
export type Value = string | string[]

/** {{name}} becomes the value, escaped for where it goes; an unknown name stays as written, for its editor to see. */
function fill (template: string, values: Record<string, Value>, escape: (s: string) => string, newline: string) {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    if (!(name in values)) return whole
    const value = values[name]
    return typeof value === 'string' ? escape(value) : value.map(escape).join(newline)
  })
}

const LAYOUT = /^<!-- layout: ([\w-]+\.(?:html|txt)) -->\n/
const PART = '<!-- part -->\n'

/**
 * A template whose HTML, or whose text after the Subject line, begins with `<!-- layout: <file> -->` is the part of
 * its kind only: it stands where the layout (another file of templates/) says `<!-- part -->`. The booking e-mails
 * share booking_layout.html and booking_layout.txt: the greeting, the stay's facts and the footer; each kind has its
 * own call to action.
 */
function inLayout (own: string): string {
  const layout = LAYOUT.exec(own)
  if (!layout) return own
  const frame = template(layout[1])
  if (!frame.includes(PART)) throw new Error(`templates/${layout[1]} has no "${PART.trim()}" line for its kinds' part`)
  return frame.replace(PART, () => own.slice(layout[0].length))
}

const files = new Map<string, { mtimeMs: number, size: number, text: string }>()

const template = (name: string) => readChanged(join(TEMPLATES_DIR, name))

/**
 * A file's text, read again only when its modification time or size has changed: an edited template takes effect
 * with the next e-mail, and an unchanged one costs a stat, not an open, read and close (with four files an e-mail,
 * those were a sixth of the e-mail worker's CPU; BENCHMARKS.md).
 */
export function readChanged (path: string): string {
  const { mtimeMs, size } = statSync(path)
  const kept = files.get(path)
  if (kept?.mtimeMs === mtimeMs && kept.size === size) return kept.text
  const text = readFileSync(path, 'utf8')
  files.set(path, { mtimeMs, size, text })
  return text
}

/**
 * The subject, text and HTML of a message, from the templates as they are on disk now. Values in the subject and
 * text lose their line breaks and control characters (no header or layout injection); in HTML they are
 * entity-escaped.
 */
export function render (kind: Kind, values: Record<string, Value>): Rendered {
  const ownTxt = template(`${kind}.txt`)
  const newline = ownTxt.indexOf('\n') + 1
  const txt = ownTxt.slice(0, newline) + inLayout(ownTxt.slice(newline))
  const html = inLayout(template(`${kind}.html`))
  const plain = (s: string) => s.replace(/[\p{Cc}\s]+/gu, ' ')
  const [first, ...body] = fill(txt, values, plain, '\n').split('\n')
  const subject = /^Subject:\s*(.*)$/i.exec(first)
  if (!subject) throw new Error(`templates/${kind}.txt must begin with a "Subject: …" line`)
  return { subject: subject[1].trim(), text: body.join('\n').trim() + '\n', html: fill(html, values, escapeHtml, '<br>\n') }
}
