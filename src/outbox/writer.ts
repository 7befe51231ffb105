import type { Client } from '../db/pool.ts'
import { TOPICS } from '../bookings/events.ts'

/** The channel the relay LISTENs on; a NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = 'hostly_outbox'

/**
 * Records a booking-status-updated event for each booking, in the order given, inside the caller's
 * transaction: the events exist if and only if the change that caused them commits. The payload is built
 * by booking_status_payload() from the rows as this transaction left them (migrations/003), as
 * request_booking() builds booking-created: the database writes the events of what it commits.
 */
export async function recordStatusChanges (tx: Client, bookingIds: number[]): Promise<void> {
  if (bookingIds.length === 0) return
  await tx.query(
    `INSERT INTO outbox (event_id, topic, key, payload)
     SELECT gen_random_uuid(), $2, b.id::text, booking_status_payload(b)
       FROM unnest($1::bigint[]) WITH ORDINALITY AS s(id, n) JOIN bookings b ON b.id = s.id
      ORDER BY s.n`,
    [bookingIds, TOPICS.statusUpdated])
  await tx.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`)
}
