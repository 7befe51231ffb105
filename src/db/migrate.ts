import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { connect, type Connection } from './pool.ts'
import { BOOKKEEPING, functionFiles, migrationNames, type Schema } from './schema.ts'

/** Creates the database named in the URL if it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabase (databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const name = decodeURIComponent(url.pathname.slice(1))
  url.pathname = '/postgres'
  const admin = await connect(url.toString())
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err // created meanwhile by another process
      })
    }
  } finally {
    await admin.end()
  }
}

export interface Migrated {
  /** The numbered migrations this run applied. */
  applied: string[]
  /** The function files it (re-)applied: all of them, every time. */
  functions: string[]
}

/**
 * Applies every numbered migration not yet applied, each in its own transaction, in name order; then re-applies
 * every function file, all in one transaction, and records each file's hash. An advisory lock makes concurrent
 * starts (several replicas) take turns. Migrations run before the function files: a migration must not rely on a
 * function defined in one (it may drop an old signature, which CREATE OR REPLACE cannot change).
 */
export async function migrate (databaseUrl: string, schema: Schema): Promise<Migrated> {
  const client = await connect(databaseUrl)
  const applied: string[] = []
  try {
    await client.query('SELECT pg_advisory_lock(7243011)')
    await client.query(BOOKKEEPING)
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map(r => r.name))
    for (const file of await migrationNames(schema)) {
      if (done.has(file)) continue
      await inTransaction(client, `migration ${file}`, async () => {
        await client.query(await readFile(join(schema.migrationsDir, file), 'utf8'))
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file])
      })
      applied.push(file)
    }
    const files = await functionFiles(schema)
    await inTransaction(client, 'function files', async () => {
      for (const file of files) {
        await client.query(file.sql).catch((err: Error) => { throw new Error(`${file.name}: ${err.message}`) })
        await client.query(`INSERT INTO schema_functions (name, sha256) VALUES ($1, $2)
          ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, applied_at = now()`, [file.name, file.sha256])
      }
    })
    return { applied, functions: files.map(f => f.name) }
  } finally {
    await client.end() // ends the session, releasing the advisory lock
  }
}

async function inTransaction (client: Connection, what: string, fn: () => Promise<void>) {
  await client.query('BEGIN')
  try {
    await fn()
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK')
    throw new Error(`${what} failed: ${(err as Error).message}`)
  }
}
