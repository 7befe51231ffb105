import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brokerClassDataReady, freePort, startLocalBroker, type LocalBroker } from '../src/kafka/local/broker.ts'

export type FreshBroker = LocalBroker & { dataDir: string, port: number, restart (): Promise<LocalBroker> }

/**
 * A port freePort() found free can be taken before the JVM binds it (an outgoing connection of any process on a
 * busy machine gets one of the same ephemeral ports): the start is tried again on other ports, in another folder.
 */
export async function withFreshPorts<T> (start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (err) {
      if (attempt >= attempts || !/Address already in use/.test((err as Error).message)) throw err
    }
  }
}

/** A real single-node broker of its own, in a temporary folder (the caller removes it after stop). */
export async function freshBroker (): Promise<FreshBroker> {
  const { dataDir, port, broker: first } = await withFreshPorts(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hostly-kafka-'))
    const port = await freePort()
    try {
      return { dataDir, port, broker: await startLocalBroker({ port, dataDir }) }
    } catch (err) {
      await rm(dataDir, { recursive: true, force: true })
      throw err
    }
  })
  let broker = first
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

/**
 * Starts and stops a broker when the JVMs have no class-data archive yet (a fresh clone): its clean exit writes one,
 * and every broker after it starts in about two thirds of the CPU (src/kafka/local/class-data.ts). A test run starts
 * a few dozen.
 */
export async function warmBrokerClassData (): Promise<void> {
  if (brokerClassDataReady()) return
  const broker = await freshBroker()
  await broker.stop()
  await rm(broker.dataDir, { recursive: true, force: true })
}
