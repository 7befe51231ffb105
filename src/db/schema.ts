import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * What makes up a database of this version: numbered migrations (history: each applied once, in name order) and
 * stored-function files (code: re-applied after the migrations on every migrate, their hash recorded). The
 * composition root says which (src/schema.ts); db/ knows no feature.
 */
export interface Schema {
  /** The folder of NNN_name.sql migrations. */
  migrationsDir: string
  /** The folder the function files' names are relative to (their names are recorded with their hash). */
  root: string
  /** Files of CREATE OR REPLACE statements, safe to run again, applied in this order. */
  functionFiles: string[]
}

export interface FunctionFile { name: string, sql: string, sha256: string }

export async function migrationNames (schema: Schema): Promise<string[]> {
  return (await readdir(schema.migrationsDir)).filter(f => /^\d+_.+\.sql$/.test(f)).sort()
}

export async function functionFiles (schema: Schema): Promise<FunctionFile[]> {
  return Promise.all(schema.functionFiles.map(async name => {
    const sql = await readFile(join(schema.root, name), 'utf8')
    return { name, sql, sha256: createHash('sha256').update(sql).digest('hex') }
  }))
}

/** The bookkeeping tables of migrate(); created by it, read by checkSchema(). */
export const BOOKKEEPING = `
  CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS schema_functions (
    name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`
