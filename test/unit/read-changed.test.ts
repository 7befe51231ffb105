import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { readChanged } from '../../src/email/render.ts'

// The e-mail templates are kept in memory and read again when they change on disk (render.ts): an edit takes effect
// with the next e-mail, whether it changes the file's size, its modification time, or only one of them.

test('a template edited on disk is read again, an unchanged one is not', t => {
  const dir = mkdtempSync(join(tmpdir(), 'hostly-templates-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'kind.txt')
  writeFileSync(file, 'Subject: one\n')
  assert.equal(readChanged(file), 'Subject: one\n')

  // The same size, a later time: an edit that replaced one word with another as long.
  writeFileSync(file, 'Subject: two\n')
  utimesSync(file, new Date(), new Date(Date.now() + 5_000))
  assert.equal(readChanged(file), 'Subject: two\n')

  // Another size, the same time (a copy that kept the original's time, `cp -p`).
  const { atime, mtime } = statSync(file)
  writeFileSync(file, 'Subject: three\n')
  utimesSync(file, atime, mtime)
  assert.equal(readChanged(file), 'Subject: three\n')

  // Unchanged on disk: the kept text, even when what is on disk now would read otherwise (the same size and time).
  writeFileSync(file, 'Subject: THREE\n')
  utimesSync(file, atime, mtime)
  assert.equal(readChanged(file), 'Subject: three\n', 'read again although neither size nor time changed')
})
