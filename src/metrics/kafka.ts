import { createAdmin } from '../kafka/client/clients.ts'
import { committedOffsets, EARLIEST, LATEST, offsetsAt } from '../kafka/tools/offsets.ts'
import { deadLetterTopic } from '../kafka/client/topics.ts'
import type { Metrics } from './registry.ts'

// Consumer lag and dead letters, read from Kafka by the admin client when Prometheus scrapes: a few
// ListOffsets / OffsetFetch requests per group and topic, at most once per REFRESH_MS however often it is
// scraped, and given up after TIMEOUT_MS (the series are then absent until Kafka answers again).

const REFRESH_MS = 5000
const TIMEOUT_MS = 3000

export interface Subscription { group: string, topics: string[] }

export function collectKafka (metrics: Metrics, brokers: string[], subscriptions: Subscription[]): { stop (): Promise<void> } {
  let admin: ReturnType<typeof createAdmin> | undefined
  let last = 0
  let refreshing: Promise<void> | undefined
  const topics = [...new Set(subscriptions.flatMap(s => s.topics))]

  async function refresh () {
    admin ??= createAdmin(brokers, 'hostly-metrics')
    const lag: Array<[string, string, number, number]> = []
    for (const topic of topics) {
      const [low, high] = await Promise.all([offsetsAt(admin, topic, EARLIEST), offsetsAt(admin, topic, LATEST)])
      for (const { group } of subscriptions.filter(s => s.topics.includes(topic))) {
        const committed = await committedOffsets(admin, group, topic)
        for (const [partition, end] of high) {
          // No commit yet: the group starts at the earliest record still kept.
          const from = committed.get(partition) ?? -1n
          const start = from >= 0n ? from : low.get(partition) ?? 0n
          lag.push([group, topic, partition, Number(end > start ? end - start : 0n)])
        }
      }
    }
    const dead = await Promise.all(topics.map(async topic => {
      const dlq = deadLetterTopic(topic)
      const [low, high] = await Promise.all([offsetsAt(admin!, dlq, EARLIEST), offsetsAt(admin!, dlq, LATEST)])
      return [topic, [...high].reduce((n, [p, end]) => n + Number(end - (low.get(p) ?? 0n)), 0)] as const
    }))
    metrics.consumerLag.reset()
    for (const [group, topic, partition, value] of lag) metrics.consumerLag.set({ group, topic, partition: String(partition) }, value)
    metrics.deadLetters.reset()
    for (const [topic, value] of dead) metrics.deadLetters.set({ topic }, value)
    last = Date.now()
  }

  const remove = metrics.onScrape(async () => {
    if (Date.now() - last < REFRESH_MS) return
    refreshing ??= refresh().finally(() => { refreshing = undefined })
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>(resolve => { timer = setTimeout(resolve, TIMEOUT_MS, 'late') })
    try {
      await Promise.race([refreshing, late])
    } catch {
      // Kafka away: no figure rather than a stale one.
      metrics.consumerLag.reset()
      metrics.deadLetters.reset()
      last = 0
      const stale = admin
      admin = undefined
      await stale?.close().catch(() => {})
    } finally {
      clearTimeout(timer)
    }
  })
  return {
    async stop () {
      remove()
      await refreshing?.catch(() => {})
      await admin?.close().catch(() => {})
    }
  }
}
