import { Type } from 'typebox'
import { appError } from '../errors.ts'

// Paging as docs/http.md says: `limit` (1–100, default 20) and an opaque `cursor`, the `next_cursor` of the page
// before. Every paged list is newest first, which is highest id first (ids come from one sequence, in the
// order rows are made), and a page is "the next `limit` items below the cursor's id": keyset, never offset,
// so an item added meanwhile (a higher id) cannot push an item onto the next page again, and none is skipped.

const PAGE_MAX = 100
const PAGE_DEFAULT = 20

/** The query fields every paged list takes. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT, description: 'items per page' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the next_cursor of the previous page' }))
}

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'pass as cursor for the next page; null on the last page'
})

const INT8_MAX = 9223372036854775807n
// The cursor is base64url("v1:<id>"): opaque to clients, and versioned so its content can change later.
const PREFIX = 'v1:'

export function encodeCursor (id: number | string): string {
  return Buffer.from(PREFIX + String(id)).toString('base64url')
}

const invalidCursor = () => appError('INVALID_CURSOR', {}, [{ field: 'cursor', message: 'is not a cursor this list gave out' }])

/** A page asked for: its query's limit and cursor. */
export interface PageInput { limit?: number, cursor?: string }

/** How many items the page holds, and the id it starts below (null for the first page); 400 for a bad cursor. */
export function readPage (page: PageInput): { limit: number, below: string | null } {
  return { limit: page.limit ?? PAGE_DEFAULT, below: decodeCursor(page.cursor) }
}

/** The id a page starts below, or null for the first page; 400 INVALID_CURSOR for anything not made by encodeCursor. */
function decodeCursor (cursor: string | undefined): string | null {
  if (cursor === undefined) return null
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^v1:([1-9][0-9]{0,18})$/.exec(text)
  // Re-encoding must give the cursor back: base64url decoding skips stray characters, a cursor must not.
  if (!match || encodeCursor(match[1]) !== cursor || BigInt(match[1]) > INT8_MAX) throw invalidCursor()
  return match[1]
}

/** Cuts the limit + 1 rows a list query read into the page and the cursor of the next one (null if none). */
export function toPage<T extends { id: number | string }> (rows: T[], limit: number): { items: T[], next_cursor: string | null } {
  if (rows.length <= limit) return { items: rows, next_cursor: null }
  const items = rows.slice(0, limit)
  return { items, next_cursor: encodeCursor(items[items.length - 1].id) }
}
