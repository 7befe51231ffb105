import { useState } from 'react'
import { ApiError, fieldOf } from './api/client.ts'

/**
 * A form's sending state: busy while the request runs, then the API's error if any. `field(name)` is the
 * API's message for that field (shown beside it); `general` is the message when no field shows it.
 */
export function useSubmit (fields: string[] = []) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  async function run (fn: () => Promise<void>) {
    setBusy(true)
    setError(null)
    try {
      await fn()
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { message: (err as Error).message }))
    } finally {
      setBusy(false)
    }
  }

  const field = (name: string) => error?.field(name)
  const shownByField = error !== null && error.details.length > 0 && error.details.every(d => fields.includes(fieldOf(d.field)))
  const general = error && !shownByField ? error.message : null
  return { busy, error, field, general, run }
}
