import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { migrate } from '../src/db/migrate.ts'
import { connect, type Connection } from '../src/db/pool.ts'
import { functionFiles, migrationNames, type Schema } from '../src/db/schema.ts'
import { SCHEMA } from '../src/schema.ts'

// Throw-away databases for the tests and the bench (not for production: it needs CREATE DATABASE).
//
// Each is a copy of a template migrated once per schema: copying takes PostgreSQL a fraction of the time and CPU of
// applying ninety-odd migrations (about 0.2 s against 1–2 s a database, for the 150 or so of a test run). The
// template is named by a hash of the schema's files, so a changed migration or function file gets a new one.

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const TEMPLATE_PREFIX = 'hostly_template_'
// An advisory lock on the admin database: copies hold it shared, making or dropping a template holds it alone, so
// a template is never dropped while another run (another checkout's schema) copies it.
export const TEMPLATE_LOCK = 7243012

/** The URL of a database of its own that does not exist yet (dropped by dropDatabase). */
export function newDatabaseUrl (): string {
  return urlOf(`hostly_test_${randomBytes(6).toString('hex')}`)
}

/** The URL of the named database on the admin URL's server. */
function urlOf (name: string): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${encodeURIComponent(name)}`
  return url.toString()
}

const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1))

async function withAdmin<T> (fn: (admin: Connection) => Promise<T>): Promise<T> {
  const admin = await connect(ADMIN_URL)
  try { return await fn(admin) } finally { await admin.end() }
}

/** A hash of everything migrate() applies for this schema: its migrations' names and text, its function files. */
async function schemaHash (schema: Schema): Promise<string> {
  const hash = createHash('sha256')
  for (const name of await migrationNames(schema)) hash.update(name).update(await readFile(join(schema.migrationsDir, name)))
  for (const file of await functionFiles(schema)) hash.update(file.name).update(file.sha256)
  return hash.digest('hex').slice(0, 16)
}

let template: Promise<string> | undefined

/**
 * The name of this schema's template, made if missing: migrated under a temporary name and renamed when done, so a
 * run killed half-way leaves no half-migrated template. Templates of other schemas go when a new one is made.
 */
export function schemaTemplate (): Promise<string> {
  template ??= (async () => {
    const name = TEMPLATE_PREFIX + await schemaHash(SCHEMA)
    return withAdmin(async admin => {
      await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK])
      const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEMPLATE_PREFIX}%`])
      if (rows.some(r => r.datname === name)) return name
      for (const { datname } of rows) {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`)
      }
      const making = nameOf(newDatabaseUrl())
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(making)}`)
      await migrate(urlOf(making), SCHEMA)
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(making)} RENAME TO ${pg.escapeIdentifier(name)}`)
      return name
    }) // ending the session releases the lock
  })()
  template.catch(() => { template = undefined })
  return template
}

/** A database of its own, as `hostly migrate` leaves it (a copy of the schema's template); dropped by dropDatabase. */
export async function freshDatabase (): Promise<string> {
  const url = newDatabaseUrl()
  const copy = async () => {
    const source = await schemaTemplate()
    await withAdmin(async admin => {
      await admin.query('SELECT pg_advisory_lock_shared($1)', [TEMPLATE_LOCK])
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(nameOf(url))} TEMPLATE ${pg.escapeIdentifier(source)}`)
    })
  }
  await copy().catch(async (err: { code?: string }) => {
    if (err.code !== '3D000') throw err
    template = undefined // dropped since by a run of another schema (another checkout): make it again
    await copy()
  })
  return url
}

export async function dropDatabase (databaseUrl: string) {
  await withAdmin(admin => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(nameOf(databaseUrl))} WITH (FORCE)`))
}
