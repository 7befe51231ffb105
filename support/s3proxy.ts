import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { freePort } from '../src/kafka/local/broker.ts'
import { withFreshPorts } from './broker.ts'

// A real S3-compatible server on this machine for the photo storage tests: S3Proxy (org.gaul:s3proxy, Maven
// Central, fetched by scripts/s3proxy-jar.sh) on a free port, with a filesystem backend in a temporary folder and
// one bucket made first. Started like the Kafka broker: a JVM child of this process, killed when it exits.

const ROOT = resolve(import.meta.dirname, '..')
const JAR = join(ROOT, 's3proxy', 'libs', 's3proxy-2.6.0-jar-with-dependencies.jar')

export interface S3ProxyServer {
  endpoint: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** The S3_* variables that point Hostly at it. */
  env: Record<string, string>
  stop (): Promise<void>
}

async function ensureJar () {
  if (!existsSync(JAR)) await promisify(execFile)('bash', [join(ROOT, 'scripts', 's3proxy-jar.sh')])
}

function spawnProxy (conf: string) {
  const child = spawn('java', ['-XX:TieredStopAtLevel=1', '-Xmx256m', '-jar', JAR, '--properties', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  let output = ''
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000) })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    process.off('exit', killOnExit)
    resolve(code)
  }))
  return { child, exited, output: () => output }
}

/** Any HTTP answer on the port (S3's 403 for an unsigned request included) means it listens. */
async function waitListening (endpoint: string, proxy: ReturnType<typeof spawnProxy>, timeoutMs = 60_000) {
  const state = { exited: false }
  void proxy.exited.then(() => { state.exited = true })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !state.exited) {
    try {
      await fetch(endpoint)
      return
    } catch {}
    await sleep(100)
  }
  proxy.child.kill('SIGKILL')
  throw new Error(`S3Proxy did not start (${state.exited ? 'it exited' : 'timed out'}): ${proxy.output()}`)
}

export async function startS3Proxy (): Promise<S3ProxyServer> {
  await ensureJar()
  const accessKeyId = 'hostly-test'
  const secretAccessKey = randomBytes(16).toString('hex')
  const bucket = 'hostly-media'
  const { dir, endpoint, proxy } = await withFreshPorts(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostly-s3proxy-'))
    const endpoint = `http://127.0.0.1:${await freePort()}`
    const conf = join(dir, 's3proxy.conf')
    await writeFile(conf, [
      `s3proxy.endpoint=${endpoint}`, 's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${accessKeyId}`, `s3proxy.credential=${secretAccessKey}`,
      'jclouds.provider=filesystem', `jclouds.filesystem.basedir=${join(dir, 'data')}`
    ].join('\n') + '\n')
    const proxy = spawnProxy(conf)
    try {
      await waitListening(endpoint, proxy)
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      throw new Error((err as Error).message.includes('BindException') ? `Address already in use: ${(err as Error).message}` : (err as Error).message)
    }
    return { dir, endpoint, proxy }
  })
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  })
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  client.destroy()
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_REGION: 'us-east-1', S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey, S3_FORCE_PATH_STYLE: 'true' },
    async stop () {
      proxy.child.kill('SIGTERM')
      await proxy.exited
      await rm(dir, { recursive: true, force: true })
    }
  }
}
