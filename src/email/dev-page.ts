import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { escapeHtml } from './render.ts'
import { listMessages, readMessage } from './dev-store.ts'

// The pages run under the app's CSP (security-headers.ts: no inline style or script), so their look is a
// stylesheet file and the one script a file too. A message's HTML is its own document at /dev/mail/<name>/html,
// shown in a frame: its inline styles (e-mail HTML is styled inline) need a policy of their own, which that
// document alone gets: styles, no script at all, sandboxed, framed only by these pages.

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2937;background:#f6f7f9;margin:0;line-height:1.5}
main{max-width:60rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:#0b5cad}.muted{color:#4b5563}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d9dee5;border-radius:8px}
td,th{padding:.45rem .8rem;text-align:left;vertical-align:top;border-bottom:1px solid #e5e7eb;overflow-wrap:anywhere}th{font-weight:600;width:9rem}
iframe{display:block;width:100%;min-height:12rem;border:1px solid #d9dee5;border-radius:8px;background:#fff}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #d9dee5;border-radius:8px;padding:1rem;margin:0}
@media (max-width:599px){th{width:auto}.list td:first-child{white-space:nowrap}}`

// The frame grows to its document's height once loaded, so the whole message shows without a scrollbar of its own.
const SCRIPT = `for (const f of document.querySelectorAll('iframe[data-fit]')) {
  const fit = () => { const d = f.contentDocument; if (d) f.style.height = d.documentElement.scrollHeight + 2 + 'px' }
  f.addEventListener('load', fit)
  if (f.contentDocument && f.contentDocument.readyState === 'complete') fit()
}`

const MESSAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox allow-same-origin"

const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/dev/mail/page.css"></head><body><main>${body}</main><script src="/dev/mail/page.js"></script></body></html>`

/** Route-level onSend, after the app's security headers: the message document's own, narrower policy. */
async function messagePolicy (_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  reply.header('content-security-policy', MESSAGE_CSP).header('x-frame-options', 'SAMEORIGIN')
  return payload
}

/**
 * GET /dev/mail: the messages the local catch-all SMTP server caught (hostly start without SMTP_URL), newest first,
 * each shown at /dev/mail/<name>. Registered only when that server runs.
 */
export const devMailRoutes: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  app.get('/dev/mail/page.css', { schema: { hide: true } }, async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE))
  app.get('/dev/mail/page.js', { schema: { hide: true } }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(SCRIPT))

  app.get('/dev/mail', { schema: { hide: true } }, async (_request, reply) => {
    const rows = (await listMessages(dir)).map(m => `<tr><td>${escapeHtml(m.date.replace('T', ' ').slice(0, 19))}</td><td>${escapeHtml(m.to)}</td>
      <td><a href="/dev/mail/${encodeURIComponent(m.name)}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`)
    return reply.type('text/html; charset=utf-8').send(page('Caught e-mail', `<h1>E-mail caught by hostly start</h1>
      <p class="muted">Hostly's local SMTP server keeps every message sent while SMTP_URL is unset. Newest first.</p>
      <table class="list"><tr><th>date (UTC)</th><th>to</th><th>subject</th></tr>${rows.join('') || '<tr><td colspan="3">None yet.</td></tr>'}</table>`))
  })

  app.get<{ Params: { name: string } }>('/dev/mail/:name', { schema: { hide: true } }, async (request, reply) => {
    const m = await readMessage(dir, request.params.name)
    if (!m) return reply.status(404).send({ code: 'NOT_FOUND', message: 'Message not found.' })
    const header = (k: string) => escapeHtml(m.headerLines.find(h => h.key === k)?.line.replace(/^[^:]*:\s*/, '') ?? '')
    const html = typeof m.html === 'string'
      ? `<h2>HTML</h2><iframe data-fit sandbox="allow-same-origin" title="The message as HTML" src="/dev/mail/${encodeURIComponent(request.params.name)}/html"></iframe>`
      : ''
    return reply.type('text/html; charset=utf-8').send(page(m.subject ?? 'message', `<p><a href="/dev/mail">← all messages</a></p>
      <h1>${escapeHtml(m.subject ?? '')}</h1>
      <table>${['from', 'to', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post'].map(k => `<tr><th>${k}</th><td>${header(k)}</td></tr>`).join('')}</table>
      ${html}<h2>Text</h2><pre>${escapeHtml(m.text ?? '')}</pre>`))
  })

  // The message's HTML as sent. A frame with sandbox and this policy: no script of a message runs, here or there.
  app.get<{ Params: { name: string } }>('/dev/mail/:name/html', { schema: { hide: true }, onSend: messagePolicy }, async (request, reply) => {
    const m = await readMessage(dir, request.params.name)
    if (!m || typeof m.html !== 'string') return reply.status(404).send({ code: 'NOT_FOUND', message: 'Message not found.' })
    return reply.type('text/html; charset=utf-8').send(m.html)
  })
}
