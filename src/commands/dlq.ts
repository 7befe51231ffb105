import { ConfigError, type Config } from '../config.ts'
import { createPool, type Pool } from '../db/pool.ts'
import { discard, redrive, type Target } from '../kafka/tools/dlq-actions.ts'
import { UUID } from '../kafka/consumer/decode.ts'
import { dlqOf, listDeadLetters, type DeadLetter } from '../kafka/tools/dlq.ts'
import { FAILURE_HEADERS } from '../kafka/consumer/failures.ts'
import { topicExists } from '../kafka/tools/topic-reader.ts'
import { writeTable } from '../table.ts'
import { kafkaBrokers, type Values } from './common.ts'

const out = (line: string) => process.stdout.write(line + '\n')

/** hostly dlq list|redrive|discard <topic>: prints the dead letters (a table, or one JSON array), sends them back, or discards them. */
export async function deadLetters (config: Config, [action, topic]: string[], values: Values, usage: string): Promise<number> {
  if (!['list', 'redrive', 'discard'].includes(action) || !topic) throw new ConfigError(`usage: ${usage}`)
  const brokers = kafkaBrokers(config)
  const eventId = values['event-id'] as string | undefined
  if (eventId !== undefined && !UUID.test(eventId)) throw new ConfigError(`--event-id must be a UUID, got "${eventId}"`)
  const target = action === 'discard' ? discardTarget(values, usage) : undefined
  const exists = await topicExists(brokers, dlqOf(topic)).catch((err: Error) => {
    throw new ConfigError(`cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${err.message}`)
  })
  if (!exists) {
    if (action === 'list' && values.json) out('[]')
    else console.log(`no dead letters: ${dlqOf(topic)} does not exist`)
    return action === 'discard' ? 1 : 0
  }
  if (target) {
    const marked = await discard(brokers, topic, target)
    console.log(marked.length === 0
      ? `no dead letter to discard in ${dlqOf(topic)} (none there, or discarded already)`
      : `discarded ${plural(marked.length)} of ${topic}: ${marked.map(l => `${l.partition}:${l.offset}`).join(', ')}`)
    return marked.length === 0 ? 1 : 0
  }

  // Listing works without the database (only "processed since" needs it); redriving does not.
  const pool = await openDatabase(config, action === 'redrive')
  try {
    if (action === 'redrive') {
      const { sent, withoutEventId } = await redrive(brokers, pool!, topic, eventId)
      console.log(`redrove ${plural(sent.length)} of ${topic}` + (sent.length ? `: ${sent.map(l => l.eventId).join(', ')}` : ''))
      if (withoutEventId > 0) {
        console.log(`left ${plural(withoutEventId)} without an event id: no consumer can process them; see them with "hostly dlq list ${topic}", drop them with "hostly dlq discard ${topic} --at <partition>:<offset>"`)
      }
      return 0
    }
    const letters = listDeadLetters(brokers, pool, topic)
    if (values.json) await writeJsonArray(letters)
    else if (await writeTable(['AT', 'EVENT ID', 'KEY', 'FROM', 'GROUP', 'ATTEMPTS', 'FAILED AT', 'STATUS', 'ERROR'], rows(letters), out) === 0) {
      console.log(`no dead letters in ${dlqOf(topic)}`)
    }
    return 0
  } finally {
    await pool?.end()
  }
}

const plural = (n: number) => `${n} dead letter${n === 1 ? '' : 's'}`

async function * rows (letters: AsyncIterable<DeadLetter>): AsyncGenerator<string[]> {
  for await (const l of letters) {
    yield [
      `${l.partition}:${l.offset}`, l.eventId ?? '-', l.key ?? '-',
      `${l.headers[FAILURE_HEADERS.originalTopic]}[${l.headers[FAILURE_HEADERS.originalPartition]}]@${l.headers[FAILURE_HEADERS.originalOffset]}`,
      l.group || '-', l.headers[FAILURE_HEADERS.attempts] ?? '0', l.headers[FAILURE_HEADERS.failedAt] ?? '-', l.status,
      // Whole, on one line: a multi-line message would break the table's rows.
      `${l.headers[FAILURE_HEADERS.errorClass] ?? '?'}: ${l.headers[FAILURE_HEADERS.errorMessage] ?? ''}`.replace(/\r?\n/g, '\\n')
    ]
  }
}

/** One JSON document (an array), written element by element as the letters stream in. */
async function writeJsonArray (letters: AsyncIterable<DeadLetter>) {
  let first = true
  for await (const l of letters) {
    const entry = { ...l, offset: String(l.offset), eventId: l.eventId ?? null, processed: l.status === 'unknown' ? null : l.status === 'processed since' }
    process.stdout.write((first ? '[\n' : ',\n') + JSON.stringify(entry))
    first = false
  }
  out(first ? '[]' : '\n]')
}

function discardTarget (values: Values, usage: string): Target {
  const at = values.at as string | undefined
  const eventId = values['event-id'] as string | undefined
  if (Boolean(at) === Boolean(eventId)) throw new ConfigError(`dlq discard needs --at <partition>:<offset> or --event-id <id> (one of them)\nusage: ${usage}`)
  if (eventId) return { eventId }
  const match = /^(\d+):(\d+)$/.exec(at!)
  if (!match) throw new ConfigError(`--at must be <partition>:<offset> as "hostly dlq list" shows it (AT column), got "${at}"`)
  return { partition: Number(match[1]), offset: BigInt(match[2]) }
}

/** A pool that has answered once, or a clear one-line error (required) / a note on stderr and none. */
async function openDatabase (config: Config, required: boolean): Promise<Pool | undefined> {
  const pool = createPool(config.databaseUrl, 1)
  try {
    await pool.query('SELECT 1')
    return pool
  } catch (err) {
    await pool.end()
    const why = `cannot use the database at DATABASE_URL (${(err as Error).message})`
    if (required) throw new ConfigError(`${why}: redrive needs it to leave processed events alone`)
    console.error(`hostly: ${why}; listing without it: STATUS cannot say whether a letter was processed since ("unknown")`)
    return undefined
  }
}
