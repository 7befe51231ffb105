import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

// The caught messages of the local catch-all SMTP server: one .eml file each, in a folder, named so that the
// names sort by arrival. A folder, not memory, so that `hostly mail list` (another process) sees them too.

let seq = 0

export async function saveMessage (dir: string, raw: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true })
  const name = `${String(Date.now()).padStart(15, '0')}-${String(process.pid)}-${String(seq++).padStart(6, '0')}.eml`
  await writeFile(join(dir, name), raw)
  return name
}

export interface Caught { name: string, date: string, from: string, to: string, subject: string, messageId: string }

/** The file names, newest first. */
export async function messageNames (dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: { code?: string }) => { if (err.code === 'ENOENT') return []; throw err })
  return names.filter(n => /^[\w-]+\.eml$/.test(n)).sort().reverse()
}

export async function readMessage (dir: string, name: string) {
  if (!/^[\w-]+\.eml$/.test(name)) return undefined
  const raw = await readFile(join(dir, name)).catch(() => undefined)
  if (!raw) return undefined
  // Loaded on the first read: an API process that never shows caught mail does not hold the parser (about 1 MiB
  // of source with its charset tables).
  const { simpleParser } = await import('mailparser')
  return simpleParser(raw)
}

export async function listMessages (dir: string, limit = 100): Promise<Caught[]> {
  const names = (await messageNames(dir)).slice(0, limit)
  return Promise.all(names.map(async name => {
    const m = (await readMessage(dir, name))!
    const text = (a: unknown) => Array.isArray(a) ? a.map(x => x.text).join(', ') : (a as { text?: string } | undefined)?.text ?? ''
    return { name, date: m.date?.toISOString() ?? '', from: text(m.from), to: text(m.to), subject: m.subject ?? '', messageId: m.messageId ?? '' }
  }))
}
