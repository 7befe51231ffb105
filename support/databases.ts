import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { ensureDatabase, migrate } from '../src/db/migrate.ts'
import { SCHEMA } from '../src/schema.ts'

// Throw-away databases for the tests and the bench (not for production: it needs CREATE DATABASE).

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

/** The URL of a database of its own that does not exist yet (dropped by dropDatabase). */
export function newDatabaseUrl (): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/hostly_test_${randomBytes(6).toString('hex')}`
  return url.toString()
}

/** A database of its own, migrated as `hostly migrate` does; dropped by dropDatabase. */
export async function freshDatabase (): Promise<string> {
  const url = newDatabaseUrl()
  await ensureDatabase(url)
  await migrate(url, SCHEMA)
  return url
}

export async function dropDatabase (databaseUrl: string) {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(new URL(databaseUrl).pathname.slice(1))} WITH (FORCE)`)
  await admin.end()
}
