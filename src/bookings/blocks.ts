import { Type, type Static } from 'typebox'
import type { Pool, Queryable } from '../db/pool.ts'
import { checkStay, MAX_NIGHTS, type DateWords } from '../dates.ts'
import { appError, forbidden, notFound } from '../errors.ts'
import { CalendarDate, Timestamp } from '../http/schemas.ts'
import { TOPICS } from './events.ts'
import { runTransition } from './transition.ts'

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

/** A block's dates follow a stay's rules (checkStay), in words of their own. */
const BLOCK_WORDS: DateWords = {
  past: { sentence: 'A block must start today or later: past nights cannot be blocked.' },
  tooFar: days => ({ sentence: `A block must start at most ${days} days from today.` }),
  endNotAfterStart: { sentence: 'A block must end after it starts: the end date is the morning after its last night.' },
  tooLong: { sentence: `A block may cover at most ${MAX_NIGHTS} nights; block a longer time in parts.` }
}

const notYours = () => forbidden('This is not one of your properties.')

/** maxAdvanceDays: how far ahead a block may start (as a stay: BOOKING_MAX_ADVANCE_DAYS). */
export async function blockDates (pool: Pool, ownerId: number, propertyId: string, input: BlockInput, maxAdvanceDays: number) {
  checkStay(input.start_date, input.end_date, { maxAdvanceDays, words: BLOCK_WORDS })
  const { cancelled, ...block } = await runTransition(pool, {
    query: {
      name: 'block-dates',
      text: `SELECT outcome, cancelled, ${COLUMNS.split(', ').map(c => `(block).${c}`).join(', ')}
               FROM block_dates($1, $2, $3, $4, $5, $6)`,
      values: [propertyId, ownerId, input.start_date, input.end_date, input.note?.trim() ?? '', TOPICS.statusUpdated]
    },
    refusals: {
      not_found: () => notFound('Property'),
      forbidden: notYours,
      dates_taken: () => appError('BLOCK_OVER_STAY'),
      dates_blocked: () => appError('BLOCK_OVER_BLOCK')
    },
    // Events only for the requests it declined.
    wroteEvents: r => r.cancelled.length > 0
  })
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
