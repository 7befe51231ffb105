import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import pino from 'pino'
import type { WebSocket } from 'ws'
import type { Queryable } from '../../src/db/pool.ts'
import { DatabaseUnavailableError } from '../../src/db/errors.ts'
import { Connection } from '../../src/live/connection.ts'
import { Hub } from '../../src/live/hub.ts'
import { liveNotifications } from '../../src/notifications/rows.ts'
import { waitFor } from '../helpers/wait.ts'

// The hub's answer to a database that cannot answer for a moment: what it was about to push is pushed once the
// database answers again, never dropped. The database here is a stand-in that fails the first `failures` queries
// the way pool.ts reports an unreachable server (DatabaseUnavailableError), then answers from a table in memory;
// the socket is a stand-in that records what it was sent. The real thing, with real faults: test/pg-faults.test.ts.

const USER = 7
const row = (id: number) => ({ id, user_id: USER, type: 'booking_requested', booking_id: 1, message: `n${id}`, created_at: new Date(0), read_at: null })

function flakyDatabase (ids: number[], failures: number) {
  let failed = 0
  const db = {
    async query (q: { name: string, values: unknown[] }) {
      if (failed < failures) { failed++; throw new DatabaseUnavailableError(new Error('connection terminated')) }
      if (q.name === 'live-notifications') return { rows: (q.values[0] as number[]).map(row) }
      if (q.name === 'live-catch-up') return { rows: ids.filter(id => id > (q.values[1] as number)).map(row) }
      if (q.name === 'live-unread') return { rows: [{ n: 0 }] }
      return { rows: [] }
    }
  }
  return { db: db as unknown as Queryable, failedSoFar: () => failed }
}

function socket () {
  const ws = Object.assign(new EventEmitter(), { OPEN: 1, CLOSED: 3, CLOSING: 2, readyState: 1, bufferedAmount: 0, sent: [] as number[] })
  Object.assign(ws, { send (text: string) { const m = JSON.parse(text); if (m.type === 'notification') ws.sent.push(m.notification.id) }, ping () {}, terminate () {}, close () { ws.readyState = 3; ws.emit('close') } })
  return ws
}

const quiet = pino({ level: 'silent' })

test('a push whose rows cannot be loaded is tried again until they can: nothing dropped, order kept', async () => {
  const { db, failedSoFar } = flakyDatabase([], 3)
  const hub = new Hub({ db, notifications: liveNotifications, log: quiet, pingMs: 60_000, sessionCheckMs: 60_000 })
  const ws = socket()
  hub.add(new Connection(USER, ws as unknown as WebSocket, Buffer.alloc(0), 1 << 20, quiet))
  hub.signal({ notifications: [[41, USER]] })
  hub.signal({ notifications: [[42, USER]] })
  await waitFor('both pushed', () => ws.sent.length === 2)
  assert.equal(failedSoFar(), 3)
  assert.deepEqual(ws.sent, [41, 42])
  await hub.close()
})

test('a resync that fails is tried again from the id it started from, though live pushes moved the socket on', async () => {
  const { db } = flakyDatabase([10, 11, 12], 1)
  const hub = new Hub({ db, notifications: liveNotifications, log: quiet, pingMs: 60_000, sessionCheckMs: 60_000 })
  const ws = socket()
  const conn = new Connection(USER, ws as unknown as WebSocket, Buffer.alloc(0), 1 << 20, quiet)
  conn.lastId = 10
  hub.add(conn)
  hub.resync() // fails once: 11 and 12 were missed while the LISTEN was down
  hub.signal({ notifications: [[13, USER]] }) // pushed live meanwhile: the socket's last id is now 13
  await waitFor('11, 12 and 13 sent', () => [11, 12, 13].every(id => ws.sent.includes(id)))
  assert.equal(ws.sent.length, 3, `each once: ${ws.sent}`)
  await hub.close()
})
