import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startLocalBroker, type LocalBroker } from '../src/kafka/local/broker.ts'

export type FreshBroker = LocalBroker & { dataDir: string, port: number, restart (): Promise<LocalBroker> }

/** A real single-node broker of its own, in a temporary folder (the caller removes it after stop). */
export async function freshBroker (): Promise<FreshBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hostly-kafka-'))
  const port = await freePort()
  let broker = await startLocalBroker({ port, dataDir })
  return {
    get brokers () { return broker.brokers },
    get pid () { return broker.pid },
    get exited () { return broker.exited },
    dataDir,
    port,
    /** Stops the JVM only; the folder stays, so restart() brings the same cluster back. */
    stop: () => broker.stop(),
    async restart () {
      broker = await startLocalBroker({ port, dataDir })
      return broker
    }
  }
}
