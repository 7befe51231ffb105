import type { FastifyPluginAsync } from 'fastify'
import { escapeHtml } from './render.ts'
import { listMessages, readMessage } from './dev-store.ts'

const page = (title: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}iframe{width:100%;height:28em;border:1px solid #ccc}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>
</head><body>${body}</body></html>`

/**
 * GET /dev/mail: the messages the local catch-all SMTP server caught (hostly start without SMTP_URL), newest first,
 * each rendered at /dev/mail/<name>. Registered only when that server runs.
 */
export const devMailRoutes: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  app.get('/dev/mail', { schema: { hide: true } }, async (_request, reply) => {
    const rows = (await listMessages(dir)).map(m => `<tr><td>${escapeHtml(m.date)}</td><td>${escapeHtml(m.to)}</td>
      <td><a href="/dev/mail/${encodeURIComponent(m.name)}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`)
    return reply.type('text/html; charset=utf-8').send(page('Caught e-mail', `<h1>E-mail caught by hostly start</h1>
      <p>Hostly's local SMTP server keeps every message sent while SMTP_URL is unset. Newest first.</p>
      <table><tr><th>date</th><th>to</th><th>subject</th></tr>${rows.join('') || '<tr><td colspan="3">None yet.</td></tr>'}</table>`))
  })

  app.get<{ Params: { name: string } }>('/dev/mail/:name', { schema: { hide: true } }, async (request, reply) => {
    const m = await readMessage(dir, request.params.name)
    if (!m) return reply.status(404).send({ code: 'NOT_FOUND', message: 'Message not found.' })
    const header = (k: string) => escapeHtml(m.headerLines.find(h => h.key === k)?.line.replace(/^[^:]*:\s*/, '') ?? '')
    // The HTML part in a sandboxed frame: no script of a message runs with this page's rights.
    return reply.type('text/html; charset=utf-8').send(page(m.subject ?? 'message', `<p><a href="/dev/mail">← all messages</a></p>
      <h1>${escapeHtml(m.subject ?? '')}</h1>
      <table>${['from', 'to', 'date', 'message-id', 'list-unsubscribe'].map(k => `<tr><th>${k}</th><td>${header(k)}</td></tr>`).join('')}</table>
      <h2>HTML</h2><iframe sandbox srcdoc="${escapeHtml(typeof m.html === 'string' ? m.html : '')}"></iframe>
      <h2>Text</h2><pre>${escapeHtml(m.text ?? '')}</pre>`))
  })
}
