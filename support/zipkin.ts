// A real Zipkin server (in memory), for the traces test: the exec jar that scripts/zipkin-jar.sh fetches from Maven
// Central into zipkin/libs, run on Java as a child process on a free port, stopped with its test.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../src/kafka/local/broker.ts'
import { withFreshPorts } from './broker.ts'

export const ZIPKIN_JAR = join(import.meta.dirname, '..', 'zipkin', 'libs', 'zipkin-server-3.5.1-exec.jar')

// Zipkin (Spring Boot and Armeria) takes 10–20 s to start on a quiet machine and over 90 s on a busy one.
const READY_TIMEOUT_MS = 240_000
const STOP_TIMEOUT_MS = 10_000

export interface Zipkin {
  /** http://127.0.0.1:port */
  url: string
  /** Where Hostly sends spans (OTEL_EXPORTER_ZIPKIN_ENDPOINT). */
  spansUrl: string
  pid: number
  stop (): Promise<void>
}

/** Starts Zipkin and resolves once its /health says UP. */
export async function startZipkin (): Promise<Zipkin> {
  if (!existsSync(ZIPKIN_JAR)) throw new Error(`${ZIPKIN_JAR} is missing: run bash scripts/zipkin-jar.sh`)
  return await withFreshPorts(async () => start(await freePort()))
}

async function start (port: number): Promise<Zipkin> {
  const child = spawn('java', ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', ZIPKIN_JAR], {
    env: { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME, QUERY_PORT: String(port), STORAGE_TYPE: 'mem' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000) }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit) // a test process that dies takes its Zipkin with it
  const exited = new Promise<void>(resolve => child.once('close', () => { process.off('exit', killOnExit); resolve() }))
  await once(child, 'spawn')

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await up(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      const why = child.exitCode !== null ? `exited with code ${child.exitCode}` : `was not UP within ${READY_TIMEOUT_MS / 1000} s`
      throw new Error(`Zipkin on port ${port} ${why}:\n${output.split('\n').slice(-30).join('\n')}`)
    }
    await sleep(250)
  }
  return { url, spansUrl: `${url}/api/v2/spans`, pid: child.pid!, stop }
}

async function up (url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`)
    return res.ok && (await res.json() as { status?: string }).status === 'UP'
  } catch {
    return false
  }
}
