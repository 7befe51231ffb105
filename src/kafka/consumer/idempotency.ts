import { transaction, type Client, type Pool } from '../../db/pool.ts'
import type { DecodedEvent } from './decode.ts'

/**
 * Applies the effect of the events this group has not processed before, in one transaction with the record
 * that it has (processed_events: group, event id). A redelivered event finds its id and does nothing; an
 * event delivered twice within one batch counts once. Returns how many events were new.
 */
export async function applyOnce<P> (pool: Pool, group: string, events: Array<DecodedEvent<P>>,
  handle: (tx: Client, events: Array<DecodedEvent<P>>) => Promise<void>): Promise<number> {
  return transaction(pool, async tx => {
    const { rows } = await tx.query<{ event_id: string }>({
      name: 'record-processed',
      text: `INSERT INTO processed_events (consumer_group, event_id) SELECT $1, unnest($2::uuid[])
             ON CONFLICT DO NOTHING RETURNING event_id::text`,
      values: [group, events.map(e => e.id)]
    })
    const fresh = new Set(rows.map(r => r.event_id))
    const todo = events.filter(e => fresh.delete(e.id))
    if (todo.length > 0) await handle(tx, todo)
    return todo.length
  })
}
