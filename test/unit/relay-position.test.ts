import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nextPosition, type Candidate, type View } from '../../src/outbox/position.ts'

// The relay's position never passes an outbox id that may still commit (src/outbox/position.ts). These replay
// what the relay's statement would see, turn by turn; test/relay.test.ts shows the same against PostgreSQL.

const ids = (...list: number[]) => list.map(id => ({ id }))

test('the position waits until the transactions that were running when an id was seen have ended', () => {
  // Turn 1: ids 1–3 committed and read, the position at 0; transaction 100 (it may hold an id below 3) runs.
  const first: View = { through: 0, newest: 3, xmin: 100, xmax: 105 }
  const one = nextPosition(first, undefined, ids(1, 2, 3), 10)
  assert.deepEqual(one, { through: 0, next: { upTo: 3, xmax: 105 } }, 'nothing is known to be settled yet')

  // Turn 2: transaction 100 still runs (xmin 100 < 105): the position stays, whatever this turn read.
  const two = nextPosition({ through: 0, newest: 5, xmin: 100, xmax: 110 }, one.next, ids(4, 5), 10)
  assert.deepEqual(two, { through: 0, next: { upTo: 3, xmax: 105 } }, 'the same candidate, not a newer one')

  // Turn 3: every transaction below 105 has ended; this turn read all that is unpublished above 0, so the
  // position reaches the candidate, and the newest id of this turn is the next candidate.
  const three = nextPosition({ through: 0, newest: 7, xmin: 106, xmax: 112 }, two.next, ids(6, 7), 10)
  assert.deepEqual(three, { through: 3, next: { upTo: 7, xmax: 112 } })
})

test('a full batch moves the position no further than its last row', () => {
  const candidate: Candidate = { upTo: 50, xmax: 20 }
  const full = nextPosition({ through: 10, newest: 60, xmin: 25, xmax: 30 }, candidate, ids(11, 12, 13), 3)
  assert.deepEqual(full, { through: 13, next: candidate }, 'rows above 13 may be unpublished: not read yet')
  const rest = nextPosition({ through: 13, newest: 60, xmin: 25, xmax: 30 }, full.next, ids(40), 3)
  assert.deepEqual(rest, { through: 50, next: { upTo: 60, xmax: 30 } })
})

test('an idle outbox: the position catches up with the newest id at the next turn, then nothing changes', () => {
  const quiet = { newest: 9, xmin: 300, xmax: 300 } // no transaction running
  const one = nextPosition({ through: 4, ...quiet }, undefined, [], 10)
  assert.deepEqual(one, { through: 4, next: { upTo: 9, xmax: 300 } })
  const two = nextPosition({ through: 4, ...quiet }, one.next, [], 10)
  assert.deepEqual(two, { through: 9, next: undefined })
  assert.deepEqual(nextPosition({ through: 9, ...quiet }, two.next, [], 10), { through: 9, next: undefined })
})

test('a position lowered by an operator: it is read again and the candidate still holds', () => {
  // The relay had a settled candidate at 50; someone set the position back to 20 to send 21–50 again.
  const lowered = nextPosition({ through: 20, newest: 50, xmin: 90, xmax: 90 }, { upTo: 50, xmax: 80 }, ids(21, 22), 100)
  assert.deepEqual(lowered, { through: 50, next: undefined }, 'every unpublished row above 20 was in this batch')
  // A candidate below a position someone raised: no move backwards.
  assert.deepEqual(nextPosition({ through: 70, newest: 70, xmin: 90, xmax: 90 }, { upTo: 50, xmax: 80 }, [], 100),
    { through: 70, next: undefined })
})
