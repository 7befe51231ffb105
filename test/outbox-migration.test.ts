import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { ensureDatabase, migrate } from '../src/db/migrate.ts'
import { connect } from '../src/db/pool.ts'
import { SCHEMA } from '../src/schema.ts'
import { newDatabaseUrl } from '../support/databases.ts'
import { dropDatabase } from './helpers/stack.ts'

// Migration 100 replaced the outbox's identity column and its partial indexes with the relay's position. Every other
// test starts from an empty outbox; a database that already ran Hostly has published and unpublished rows in it, and
// the position it starts from decides whether the relay sends each of them, once.

const POSITION = '100_outbox_high_water.sql'
const made: string[] = []
after(async () => { for (const url of made) await dropDatabase(url) })

/** A database migrated to just before the position, holding outbox rows published (true) or not (false), in id order. */
async function outboxBefore (published: boolean[]) {
  const before = await mkdtemp(join(tmpdir(), 'hostly-migrations-'))
  const names = (await readdir(SCHEMA.migrationsDir)).filter(f => /^\d+_.+\.sql$/.test(f) && f < POSITION)
  for (const name of names) await symlink(join(SCHEMA.migrationsDir, name), join(before, name))
  const url = newDatabaseUrl()
  made.push(url)
  await ensureDatabase(url)
  await migrate(url, { migrationsDir: before, root: SCHEMA.root, functionFiles: [] })
  await rm(before, { recursive: true })
  const db = await connect(url)
  try {
    for (const p of published) {
      await db.query(`INSERT INTO outbox (event_id, topic, key, payload, published_at)
                      VALUES (gen_random_uuid(), 'booking-created', 'k', '{}', ${p ? 'now()' : 'NULL'})`)
    }
  } finally {
    await db.end()
  }
  return url
}

/** Migrates the rest, then the position and the id the next outbox row gets. */
async function afterPosition (url: string) {
  assert.deepEqual((await migrate(url, SCHEMA)).applied.at(0), POSITION)
  const db = await connect(url)
  try {
    const { rows: [{ through }] } = await db.query('SELECT published_through::int AS through FROM outbox_relay')
    const { rows: [{ id }] } = await db.query(`INSERT INTO outbox (event_id, topic, key, payload)
      VALUES (gen_random_uuid(), 'booking-created', 'k', '{}') RETURNING id::int`)
    return { through, next: id }
  } finally {
    await db.end()
  }
}

test('an outbox with unpublished rows: the position starts just below the first of them, and ids go on', async () => {
  // Ids 1..5: 1, 2 and 4 published, 3 and 5 not. The relay reads unpublished rows above the position (so 3 and 5).
  const url = await outboxBefore([true, true, false, true, false])
  assert.deepEqual(await afterPosition(url), { through: 2, next: 6 })
})

test('an outbox with every row published: the position starts at the newest id', async () => {
  const url = await outboxBefore([true, true, true])
  assert.deepEqual(await afterPosition(url), { through: 3, next: 4 })
})
