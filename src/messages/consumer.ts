import type { Client } from '../db/pool.ts'
import type { DecodedEvent } from '../kafka/consumer/decode.ts'
import type { ConsumerSpec } from '../kafka/consumer/spec.ts'
import { signalLive } from '../live/signal.ts'
import { decodeMessageSent, MESSAGE_TOPICS, type MessageSent } from './events.ts'
import { LIVE_KINDS } from './live.ts'
import { lockParties } from './store.ts'
import { believeMessages } from './trust.ts'

/**
 * Tells each message's recipient, once per event however often Kafka delivers it (the runner records the event id in
 * this transaction): the thread's unread count goes up by the messages the recipient has not read yet (one they read
 * before this event arrived, or answered, is not counted; the count is recomputed on the row as it is when locked,
 * so a read committing meanwhile is seen), and the new message goes to their open sockets when this commits.
 */
async function tell (tx: Client, events: Array<DecodedEvent<MessageSent>>) {
  const facts = await believeMessages(tx, events)
  await lockParties(tx, events.map(e => ({ threadId: e.payload.thread_id, userId: e.payload.recipient_id })))
  await tx.query({
    name: 'count-unread',
    text: `UPDATE thread_parties p
              SET unread_count = p.unread_count + (SELECT count(*) FROM unnest(x.ids) id WHERE id > p.last_read_id)
             FROM (SELECT thread_id, user_id, array_agg(id) AS ids
                     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS e(thread_id, user_id, id) GROUP BY 1, 2) x
            WHERE p.thread_id = x.thread_id AND p.user_id = x.user_id`,
    values: [facts.map(f => f.thread_id), events.map(e => e.payload.recipient_id), events.map(e => e.payload.id)]
  })
  await signalLive(tx, { rows: { [LIVE_KINDS.message]: events.map(e => [e.payload.id, e.payload.recipient_id]) } })
}

/** The message service: the recipient's inbox and live sockets. */
export const messageService: ConsumerSpec<MessageSent> = {
  name: 'messages',
  group: 'message-service-group',
  topic: MESSAGE_TOPICS.sent,
  decode: message => decodeMessageSent(message),
  handle: tell
}
