import { createAdmin, kafkaName } from '../client/clients.ts'
import { committedOffsets, EARLIEST, LATEST, offsetsAt } from './offsets.ts'

export type ReplayFrom = { beginning: true } | { time: Date } | { offset: bigint }

export interface PartitionMove { partition: number, from: bigint, to: bigint }

export class ReplayRefused extends Error {}

/**
 * Moves the group's committed offsets on the topic back (or forward) so that its members process the events
 * from there again when they next start. Consumers are idempotent, so events already processed have no second
 * effect. A group with live members would overwrite the move with its next commit: that is refused.
 */
export async function replay (brokers: string[], group: string, topic: string, from: ReplayFrom): Promise<PartitionMove[]> {
  const admin = createAdmin(brokers, 'hostly-replay')
  try {
    const described = (await admin.describeGroups({ groups: [kafkaName(group)] })).get(kafkaName(group))
    const members = described?.members.size ?? 0
    if (members > 0) {
      throw new ReplayRefused(`group ${group} has ${members} live member${members === 1 ? '' : 's'} (state ${described!.state}); ` +
        'stop its consumers first, then replay')
    }
    const earliest = await offsetsAt(admin, topic, EARLIEST)
    const latest = await offsetsAt(admin, topic, LATEST)
    const atTime = 'time' in from ? await offsetsAt(admin, topic, BigInt(from.time.getTime())) : undefined
    const before = await committedOffsets(admin, group, topic)

    const moves: PartitionMove[] = [...earliest.keys()].sort().map(partition => {
      const low = earliest.get(partition)!
      const high = latest.get(partition)!
      let to: bigint
      if ('beginning' in from) to = low
      else if ('time' in from) to = atTime!.get(partition)! < 0n ? high : atTime!.get(partition)!
      else to = from.offset < low ? low : from.offset > high ? high : from.offset
      return { partition, from: before.get(partition) ?? -1n, to }
    })
    await admin.alterConsumerGroupOffsets({
      groupId: kafkaName(group),
      topics: [{ name: kafkaName(topic), partitionOffsets: moves.map(m => ({ partition: m.partition, offset: m.to })) }]
    })
    return moves
  } finally {
    await admin.close()
  }
}
