import { ConfigError, type Config } from '../config.ts'
import { createPool } from '../db/pool.ts'
import { listDeadLetters, redrive } from '../kafka/dlq.ts'
import { H } from '../kafka/failures.ts'
import { table } from '../table.ts'
import { kafkaBrokers, type Values } from './common.ts'

/** hostly dlq list|redrive <topic>: prints the dead letters as a table (or JSON lines), or sends them back. */
export async function deadLetters (config: Config, [action, topic]: string[], values: Values, usage: string): Promise<number> {
  if (!['list', 'redrive'].includes(action) || !topic) throw new ConfigError(`usage: ${usage}`)
  const pool = createPool(config.databaseUrl, 1)
  try {
    if (action === 'redrive') {
      const sent = await redrive(kafkaBrokers(config), pool, topic, values['event-id'] as string | undefined)
      console.log(`redrove ${sent.length} dead letter${sent.length === 1 ? '' : 's'} of ${topic}` +
        (sent.length ? `: ${sent.map(l => l.eventId ?? `${l.partition}:${l.offset}`).join(', ')}` : ''))
      return 0
    }
    const letters = await listDeadLetters(kafkaBrokers(config), pool, topic)
    if (values.json) {
      for (const l of letters) console.log(JSON.stringify({ ...l, offset: String(l.offset) }))
      return 0
    }
    console.log(letters.length === 0 ? `no dead letters in ${topic}.dlq` : table(
      ['AT', 'EVENT ID', 'KEY', 'FROM', 'GROUP', 'ERROR', 'ATTEMPTS', 'FAILED AT', 'STATUS'],
      letters.map(l => [
        `${l.partition}:${l.offset}`, l.eventId ?? '-', l.key ?? '-',
        `${l.headers[H.originalTopic]}[${l.headers[H.originalPartition]}]@${l.headers[H.originalOffset]}`,
        l.group, `${l.headers[H.errorClass]}: ${(l.headers[H.errorMessage] ?? '').slice(0, 60)}`,
        l.headers[H.attempts] ?? '0', l.headers[H.failedAt] ?? '-', l.processed ? 'processed since' : 'waiting'
      ])))
    return 0
  } finally {
    await pool.end()
  }
}
