import assert from 'node:assert/strict'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { checkSchemaWhenReachable, SchemaError } from '../src/db/schema-check.ts'
import { freePort } from '../src/kafka/local/broker.ts'
import { SCHEMA } from '../src/schema.ts'
import { dropDatabase, freshDatabase } from './helpers/stack.ts'

// A process that does not migrate checks its database's schema at start (src/db/schema-check.ts): while the
// database cannot be reached, or drops the connection, it tries again for up to a minute; a database that is
// missing, or at another version, is said at once. The database comes and goes through a TCP relay of the test's
// own in front of the real PostgreSQL, so the machine's server is never stopped.

let databaseUrl: string
before(async () => { databaseUrl = await freshDatabase() })
after(async () => { await dropDatabase(databaseUrl) })

/** The URL of the database, through another port. */
const through = (url: string, port: number) => Object.assign(new URL(url), { port: String(port) }).toString()

/** A listener on the port: 'drop' closes each connection at once; 'forward' relays it to the real server's port. */
async function relay (port: number, target: number) {
  let mode: 'drop' | 'forward' = 'drop'
  const sockets = new Set<Socket>()
  const server: Server = createServer(client => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (mode === 'drop') return client.destroy()
    const upstream = connect(target, '127.0.0.1')
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve))
  return {
    forward () { mode = 'forward' },
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

/** A log that keeps the warnings of each retry. */
const warnings = () => {
  const seen: string[] = []
  return { seen, log: { warn: (fields: { err?: string }) => { seen.push(fields.err ?? '') } } }
}

test('a database that cannot be reached, then drops the connection, then comes: the check waits for it and passes', async (t) => {
  const port = await freePort()
  const { seen, log } = warnings()
  const checking = checkSchemaWhenReachable(through(databaseUrl, port), SCHEMA, log)
  // Nothing listens for 2 s, then connections are accepted and closed for 4 s (the check's backoff, 200 ms doubling,
  // tries at least once in each), then relayed.
  let proxy: Awaited<ReturnType<typeof relay>> | undefined
  let forwardedAt = Infinity
  const phases = (async () => {
    await sleep(2000)
    proxy = await relay(port, Number(new URL(databaseUrl).port || 5432))
    await sleep(4000)
    proxy.forward()
    forwardedAt = Date.now()
  })()
  try {
    await checking
    assert.ok(Date.now() >= forwardedAt, 'it passed only once the database was there')
  } finally {
    await phases
    await proxy?.close()
  }
  t.diagnostic(`tried ${seen.length + 1} times: ${seen.join(' | ')}`)
  assert.ok(seen.some(err => /ECONNREFUSED/.test(err)), `a refusal was tried again: ${JSON.stringify(seen)}`)
  assert.ok(seen.some(err => !/ECONNREFUSED/.test(err)), `a dropped connection was tried again: ${JSON.stringify(seen)}`)
})

test('a missing database, or one at another version, is said at once: no retry', async () => {
  const missing = Object.assign(new URL(databaseUrl), { pathname: '/hostly_test_never_created' }).toString()
  for (const [url, message] of [
    [missing, /^database "hostly_test_never_created" does not exist\. Run "hostly migrate"/],
    [databaseUrl, /^the database is not at this version of Hostly: migrations not applied: 001_init\.sql;/]
  ] as const) {
    if (url === databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query("DELETE FROM schema_migrations WHERE name = '001_init.sql'")
      await client.end()
    }
    const { seen, log } = warnings()
    const started = Date.now()
    await assert.rejects(checkSchemaWhenReachable(url, SCHEMA, log), err => err instanceof SchemaError && message.test(err.message))
    assert.deepEqual(seen, [], 'not tried again')
    assert.ok(Date.now() - started < 30_000, 'said well within the minute a database out of reach is waited for')
  }
})
