import { Type, type Static } from 'typebox'
import type { Pool, Queryable } from '../db/pool.ts'
import { MAX_NIGHTS, nightsBetween, todayUtc } from '../dates.ts'
import { appError, badRequest, forbidden, notFound } from '../errors.ts'
import { CalendarDate, Timestamp } from '../http/schemas.ts'
import { wakeRelay } from '../outbox/wake.ts'
import { TOPICS } from './events.ts'

// Blocked dates: an owner takes nights of a property off sale. The rule (what a block may overlap, and what
// happens to the requests under it) is block_dates() in booking.sql; the promise that a block never shares a night
// with an accepted stay is the exclusion constraint of taken_nights (migrations/047_blocked_dates.sql).

export const BlockInput = Type.Object({
  start_date: CalendarDate,
  end_date: CalendarDate,
  note: Type.Optional(Type.String({ maxLength: 200, description: 'for the owner only (maintenance, own use…); empty by default' }))
}, { additionalProperties: false })
export type BlockInput = Static<typeof BlockInput>

export const Block = Type.Object({
  id: Type.Integer(),
  property_id: Type.Integer(),
  start_date: CalendarDate,
  end_date: CalendarDate,
  note: Type.String(),
  created_at: Timestamp
}, { description: 'the nights from start_date to the night before end_date, as a stay' })

export const BlockParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,24}$', description: 'must be a positive integer written without leading zeros' }),
  block_id: Type.String({ pattern: '^[1-9][0-9]{0,24}$', description: 'must be a positive integer written without leading zeros' })
})

const COLUMNS = 'id, property_id, start_date, end_date, note, created_at'

/** A block's dates: from today on, ending after they start, at most MAX_NIGHTS nights, starting within maxAdvanceDays. */
export function checkBlock (start: string, end: string, maxAdvanceDays: number) {
  if (start < todayUtc()) throw badRequest({ sentence: 'A block must start today or later: past nights cannot be blocked.' }, 'start_date')
  const nights = nightsBetween(start, end)
  if (nights < 1) throw badRequest({ sentence: 'A block must end after it starts: the end date is the morning after its last night.' }, 'end_date')
  if (nights > MAX_NIGHTS) throw badRequest({ sentence: `A block may cover at most ${MAX_NIGHTS} nights; block a longer time in parts.` }, 'end_date')
  if (nightsBetween(todayUtc(), start) > maxAdvanceDays) throw badRequest({ sentence: `A block must start at most ${maxAdvanceDays} days from today.` }, 'start_date')
}

const notYours = () => forbidden('This is not one of your properties.')

export async function blockDates (pool: Pool, ownerId: number, propertyId: string, input: BlockInput) {
  const { rows: [r] } = await pool.query(
    `SELECT outcome, cancelled, ${COLUMNS.split(', ').map(c => `(block).${c}`).join(', ')}
       FROM block_dates($1, $2, $3, $4, $5, $6)`,
    [propertyId, ownerId, input.start_date, input.end_date, input.note?.trim() ?? '', TOPICS.statusUpdated])
  switch (r.outcome) {
    case 'not_found': throw notFound('Property')
    case 'forbidden': throw notYours()
    case 'dates_taken': throw appError('BLOCK_OVER_STAY')
    case 'dates_blocked': throw appError('BLOCK_OVER_BLOCK')
  }
  if (r.cancelled.length) wakeRelay(pool)
  const { outcome: _, cancelled, ...block } = r
  return { block, cancelled_bookings: cancelled as number[] }
}

/** The property, if the caller owns it: 404 when there is none, 403 when it is someone else's. */
async function ownedProperty (db: Queryable, ownerId: number, propertyId: string) {
  const { rows: [p] } = await db.query('SELECT owner_id FROM properties WHERE id = $1', [propertyId])
  if (!p) throw notFound('Property')
  if (p.owner_id !== ownerId) throw notYours()
}

/** The property's blocks not yet over, soonest first (at most a year and a bit of them, as far as a stay may start). */
export async function listBlocks (db: Queryable, ownerId: number, propertyId: string) {
  await ownedProperty(db, ownerId, propertyId)
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM property_blocks WHERE property_id = $1 AND end_date > current_date ORDER BY start_date LIMIT 1000`, [propertyId])
  return { blocks: rows }
}

/** Unblocking frees the nights (taken_nights' row goes with the block: ON DELETE CASCADE); nothing else changes. */
export async function unblockDates (db: Queryable, ownerId: number, propertyId: string, blockId: string) {
  await ownedProperty(db, ownerId, propertyId)
  const { rowCount } = await db.query('DELETE FROM property_blocks WHERE id = $1 AND property_id = $2', [blockId, propertyId])
  if (!rowCount) throw notFound('Block')
}
