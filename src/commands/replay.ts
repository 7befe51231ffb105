import { ConfigError, type Config } from '../config.ts'
import { replay, ReplayRefused, type ReplayFrom } from '../kafka/tools/replay.ts'
import { table } from '../table.ts'
import { kafkaBrokers, type Values } from './common.ts'

/** hostly replay: moves a stopped group's offsets; exit 3 when refused because the group has members. */
export async function replayGroup (config: Config, values: Values, usage: string): Promise<number> {
  const { group, topic, from, offset } = values as Record<string, string | undefined>
  const starts = [values['from-beginning'], from, offset].filter(v => v !== undefined)
  if (!group || !topic || starts.length !== 1) throw new ConfigError(`usage: ${usage}`)
  let position: ReplayFrom
  if (values['from-beginning']) position = { beginning: true }
  else if (from !== undefined) {
    const time = new Date(from)
    if (!/^\d{4}-\d{2}-\d{2}/.test(from) || Number.isNaN(time.getTime())) throw new ConfigError(`--from must be an ISO time, got "${from}"`)
    position = { time }
  } else {
    if (!/^\d+$/.test(offset!)) throw new ConfigError(`--offset must be a non-negative integer, got "${offset}"`)
    position = { offset: BigInt(offset!) }
  }
  try {
    const moves = await replay(kafkaBrokers(config), group, topic, position)
    console.log(table(['PARTITION', 'FROM', 'TO'], moves.map(m => [String(m.partition), m.from < 0n ? '-' : String(m.from), String(m.to)])))
    console.log(`group ${group} will process ${topic} again from there when its consumers start`)
    return 0
  } catch (err) {
    if (err instanceof ReplayRefused) {
      console.error(`hostly replay: refused: ${err.message}`)
      return 3
    }
    throw err
  }
}
