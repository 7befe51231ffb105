import type { Client, Pool } from '../db/pool.ts'
import { TOPICS } from '../bookings/events.ts'

/** The channel the relay LISTENs on; a NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = 'hostly_outbox'

/**
 * Records a booking-status-updated event for each booking, in the order given, inside the caller's
 * transaction: the events exist if and only if the change that caused them commits (then call wakeRelay). The payload is built
 * by booking_status_payload() from the rows as this transaction left them (migrations/003), as
 * request_booking() builds booking-created: the database writes the events of what it commits.
 */
export async function recordStatusChanges (tx: Client, bookingIds: number[]): Promise<void> {
  if (bookingIds.length === 0) return
  await tx.query({
    name: 'record-status-changes',
    text: `INSERT INTO outbox (event_id, topic, key, payload)
     SELECT gen_random_uuid(), $2, b.id::text, booking_status_payload(b)
       FROM unnest($1::bigint[]) WITH ORDINALITY AS s(id, n) JOIN bookings b ON b.id = s.id
      ORDER BY s.n`,
    values: [bookingIds, TOPICS.statusUpdated]
  })
}

const nudging = new WeakSet<Pool>()

/**
 * Wakes the relay after a commit that added outbox rows. The calls of a millisecond share one NOTIFY, sent
 * outside any transaction: a NOTIFY inside one takes a cluster-wide lock until commit, which made booking
 * commits queue one behind another. A NOTIFY that never goes out (a crash) costs only latency: the relay
 * also polls.
 */
export function wakeRelay (pool: Pool): void {
  if (nudging.has(pool)) return
  nudging.add(pool)
  setTimeout(() => {
    nudging.delete(pool)
    pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`).catch(() => {})
  }, 1)
}
