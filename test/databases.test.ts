import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { migrationNames } from '../src/db/schema.ts'
import { SCHEMA } from '../src/schema.ts'
import { ADMIN_URL, dropDatabase, freshDatabase, schemaTemplate, TEMPLATE_LOCK } from '../support/databases.ts'

// The throw-away databases of the tests and the bench (support/databases.ts): copies of a template migrated once per
// schema, which another checkout's run may drop while this one still copies from it.

async function applied (databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map(r => r.name)
  } finally { await client.end() }
}

test('a template dropped meanwhile (as a run of another schema does) is made again, and the copy goes on', async () => {
  const first = await freshDatabase()
  const template = await schemaTemplate()
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    // As support/databases.ts drops another schema's template: holding the lock alone, so no copy is under way.
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK])
    await admin.query(`DROP DATABASE ${pg.escapeIdentifier(template)} WITH (FORCE)`)
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK])

    const second = await freshDatabase() // its first copy fails (3D000), the template is made again, the copy retried
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])
    assert.equal(exists.rowCount, 1, 'the template is back, under the same name')
    assert.deepEqual(await applied(second), await migrationNames(SCHEMA), 'the copy is migrated')
    assert.deepEqual(await applied(first), await applied(second))
    await dropDatabase(second)
  } finally {
    await admin.end()
    await dropDatabase(first)
  }
})
