import type { User } from '../auth/users.ts'
import type { Client } from '../db/pool.ts'
import { MessageText } from './schemas.ts'
import { bookingThread, claimSend, writeMessage } from './store.ts'
import { checkMessage } from './text.ts'

/**
 * The message a request, an accept or a decline may carry (POST /api/bookings, …/accept, …/cancel): given to the
 * booking routes by the assembly, so bookings/ need not import this feature. Checked as every message; written in the
 * booking's conversation (its own, the traveler's question about the place, or a new one) in the change's transaction,
 * with its message-sent event: refused (too many a minute), the change is rolled back with it.
 */
export function bookingMessages (settings: { messagesPerMinute: number }) {
  return {
    text: MessageText,
    check: checkMessage,
    async write (tx: Client, user: User, bookingId: number, text: string) {
      await claimSend(tx, user.id, settings.messagesPerMinute)
      await writeMessage(tx, await bookingThread(tx, user, bookingId), user.id, text)
    }
  }
}
