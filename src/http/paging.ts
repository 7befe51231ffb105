import { createHmac, timingSafeEqual } from 'node:crypto'
import { Type } from 'typebox'
import { appError, ERRORS } from '../errors.ts'

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
// A cursor is base64url("v2:<id>"), a dot, and an HMAC-SHA256 (128 bits of it) of the id, the list and its reader
// under CURSOR_KEY: a client can neither make one nor carry one to another list or person. Versioned, so that
// its content can change later.
const VERSION = 'v2'
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url')

/** A page asked for: its query's limit and cursor. */
export interface PageInput { limit?: number, cursor?: string }

/** A page to read: how many items, the id it starts below (null for the first), and how to cut what was read. */
export interface Page {
  limit: number
  below: string | null
  /** Cuts the limit + 1 rows a list query read into the page and the cursor of the next one (null if none). */
  finish<T extends { id: number | string }>(rows: T[]): { items: T[], next_cursor: string | null }
}

const invalidCursor = () => appError('INVALID_CURSOR', {}, [{ field: 'cursor', message: ERRORS.INVALID_CURSOR.message }])

/** Gives out and reads the cursors of paged lists, signed with one key (CURSOR_KEY). */
export class Cursors {
  readonly #key: string

  constructor (key: string) {
    this.#key = key
  }

  #sign (list: string, reader: number, id: string): string {
    return b64(createHmac('sha256', this.#key).update(`${VERSION}\n${list}\n${reader}\n${id}`).digest().subarray(0, 16))
  }

  #encode (list: string, reader: number, id: string): string {
    return `${b64(`${VERSION}:${id}`)}.${this.#sign(list, reader, id)}`
  }

  /** The id a page starts below: 400 INVALID_CURSOR for anything not given out for this list and reader. */
  #decode (cursor: string, list: string, reader: number): string {
    const [payload, signature, ...rest] = cursor.split('.')
    const match = /^v2:([1-9][0-9]{0,18})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'))
    if (!match || rest.length > 0 || signature === undefined || BigInt(match[1]) > INT8_MAX) throw invalidCursor()
    // Compared whole, re-encoded: base64url decoding skips stray characters, a cursor must not.
    const expected = Buffer.from(this.#encode(list, reader, match[1]))
    const given = Buffer.from(cursor)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor()
    return match[1]
  }

  /** The page asked for of `list` (its path) as `reader` (the user id) reads it. */
  page (input: PageInput, list: string, reader: number): Page {
    const limit = input.limit ?? PAGE_DEFAULT
    return {
      limit,
      below: input.cursor === undefined ? null : this.#decode(input.cursor, list, reader),
      finish: rows => {
        if (rows.length <= limit) return { items: rows, next_cursor: null }
        const items = rows.slice(0, limit)
        return { items, next_cursor: this.#encode(list, reader, String(items[items.length - 1].id)) }
      }
    }
  }
}
