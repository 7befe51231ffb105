// The relay's position in the outbox: how far it may move without skipping an event still to commit. Pure, so
// that the argument below is tested by itself (test/unit/relay-position.test.ts); relay.ts reads and writes it.

/** What one turn's statement saw: the position, the newest committed outbox id, the snapshot's xmin and xmax. */
export interface View { through: number, newest: number, xmin: number, xmax: number }

/** A position the relay may move to once every transaction below `xmax` has ended. */
export interface Candidate { upTo: number, xmax: number }

/**
 * Where the position goes once this turn's rows are published, and the candidate for the turns after it.
 *
 * An id the relay does not see at or below `newest` is a rollback or a transaction still running: outbox ids are
 * drawn after the transaction has its xid (outbox_next_id()), and drawn in order, so whoever drew an id below
 * `newest` had its xid before `newest` committed, that is before this snapshot: below its xmax. Once a later
 * snapshot's xmin has passed that xmax, each of those transactions has ended, so every id up to `newest` that will
 * ever exist is visible. The turn that sees that publishes all of them that are unpublished (if its batch was not
 * full; else up to its last row), and the position moves there. Transactions that commit out of id order are
 * published when they commit, in the order their rows are read: a booking's events still go in its commit order,
 * because its row lock makes its later events draw later ids.
 */
export function nextPosition (view: View, candidate: Candidate | undefined, rows: ReadonlyArray<{ id: number }>, batchSize: number):
{ through: number, next: Candidate | undefined } {
  let through = view.through
  let next = candidate
  if (candidate !== undefined && view.xmin >= candidate.xmax) {
    const readAll = rows.length < batchSize
    const reach = readAll ? candidate.upTo : Math.min(candidate.upTo, rows[rows.length - 1].id)
    if (reach > through) through = reach
    if (through >= candidate.upTo) next = undefined
  }
  if (next === undefined && view.newest > through) next = { upTo: view.newest, xmax: view.xmax }
  return { through, next }
}
