import type { ErrorBody } from './types.ts'

/** Errors without details that are still about one field: shown beside it. */
const CODE_FIELDS: Record<string, string> = { EMAIL_TAKEN: 'email', DATES_UNAVAILABLE: 'start_date' }

/** An answer of the API other than 2xx, with its words: shown to the person next to what caused it. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: Array<{ field: string, message: string }>

  constructor (status: number, body: Partial<ErrorBody>) {
    super(body.message ?? `The server answered ${status}.`)
    this.status = status
    this.code = body.code ?? 'UNKNOWN'
    this.details = body.details ?? (CODE_FIELDS[this.code] ? [{ field: CODE_FIELDS[this.code], message: this.message }] : [])
  }

  /**
   * The message about one field (the first segment of its path: "amenities.1" is about "amenities"): a whole
   * sentence that names the field in words, shown beside it as it is.
   */
  field (name: string): string | undefined {
    return this.details.find(d => fieldOf(d.field) === name)?.message
  }
}

/** The top-level field of a detail's path: the API writes `amenities.1`. */
export const fieldOf = (path: string) => path.split(/[./]/)[0]

const OFFLINE = new ApiError(0, { code: 'NETWORK', message: 'Hostly cannot be reached. Check your connection and try again.' })

/** Someone listening for 401s: the session ended (signed out elsewhere, expired). */
let onUnauthorized: () => void = () => {}
export const whenUnauthorized = (fn: () => void) => { onUnauthorized = fn }

/** One JSON call to the API; same-origin, so the session cookie goes along and the Origin check passes. */
export async function api<T> (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  } catch {
    throw OFFLINE
  }
  const text = await res.text()
  let json: unknown
  try { json = text ? JSON.parse(text) : undefined } catch { json = undefined }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/auth/login') onUnauthorized()
    throw new ApiError(res.status, (json ?? {}) as Partial<ErrorBody>)
  }
  return json as T
}

/** Query string of the defined, non-empty values. */
export function query (params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? '?' + s : ''
}
