import { transaction, type Client, type Pool } from '../../db/pool.ts'
import type { DecodedEvent } from './decode.ts'
import type { EventLookUp } from './spec.ts'

/**
 * Applies the effect of the events this group has not processed before, in one transaction with the record
 * that it has (processed_events: group, event id). A redelivered event finds its id and does nothing; an
 * event delivered twice within one batch counts once. Returns how many events were new. With lookUp, the same
 * statement reads what the handler needs about each event (spec.ts), handed to it for the new events.
 */
export async function applyOnce<P> (pool: Pool, group: string, events: Array<DecodedEvent<P>>,
  handle: (tx: Client, events: Array<DecodedEvent<P>>, looked?: unknown[]) => Promise<void>, lookUp?: EventLookUp<P>): Promise<number> {
  return transaction(pool, async tx => {
    const record = `INSERT INTO processed_events (consumer_group, event_id) SELECT $1, unnest($2::uuid[])
                    ON CONFLICT DO NOTHING RETURNING event_id`
    if (!lookUp) {
      const { rows } = await tx.query<{ event_id: string }>({
        name: 'record-processed',
        text: `${record}::text`,
        values: [group, events.map(e => e.id)]
      })
      const fresh = new Set(rows.map(r => r.event_id))
      const todo = events.filter(e => fresh.delete(e.id))
      if (todo.length > 0) await handle(tx, todo)
      return todo.length
    }
    // The look-up's rows come in the events' order, one each; fresh_event says which ids this statement recorded.
    const { rows } = await tx.query<{ fresh_event: boolean }>({
      name: `record-processed-${lookUp.name}`,
      text: `WITH recorded AS (${record})
             SELECT l.*, EXISTS (SELECT 1 FROM recorded r WHERE r.event_id = l.event_id::uuid) AS fresh_event
               FROM (${lookUp.sql('$2::uuid[]', n => `$${n + 2}`)}) AS l
              ORDER BY l.event_ordinal`,
      values: [group, events.map(e => e.id), ...lookUp.values(events)]
    })
    if (rows.length !== events.length) throw new Error(`look-up ${lookUp.name} answered ${rows.length} rows for ${events.length} events`)
    const seen = new Set<string>()
    const todo: Array<DecodedEvent<P>> = []
    const looked: unknown[] = []
    events.forEach((e, i) => {
      if (!rows[i].fresh_event || seen.has(e.id)) return
      seen.add(e.id)
      todo.push(e)
      looked.push(rows[i])
    })
    if (todo.length > 0) await handle(tx, todo, looked)
    return todo.length
  })
}
