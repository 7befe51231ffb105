// A real reverse proxy (Debian's nginx) in front of API processes, as the Ingress controller is in production:
// it appends the peer's address to X-Forwarded-For, passes WebSocket upgrades, and balances round robin.
// Run in the foreground as a child process, with its configuration, pid, logs and temp files in a folder of its own.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ProxyOptions {
  /** host:port of each API process. */
  upstreams: string[]
  /** Where the proxy listens (127.0.0.1). */
  host?: string
  port: number
  /** The address it connects to the upstreams from: what the APIs see as the peer, and must trust (TRUST_PROXY). */
  bindAddress?: string
}

export interface Proxy {
  /** http://host:port */
  url: string
  pid: number
  /** The folder of its configuration, logs and temp files (removed by stop()). */
  dir: string
  /** Resolves with nginx's exit code (null when a signal ended it). */
  exited: Promise<number | null>
  /** The last lines of its error log, for messages. */
  errors (): Promise<string>
  stop (): Promise<void>
}

const READY_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 10_000

/** nginx on PATH or in /usr/sbin (Debian's place, often not on a user's PATH), or NGINX_PATH; undefined if none. */
export function findNginx (): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']
  const candidates = [process.env.NGINX_PATH, ...dirs.filter(Boolean).map(dir => join(dir, 'nginx'))].filter(c => c !== undefined)
  return candidates.find(path => {
    try { accessSync(path, constants.X_OK); return true } catch { return false }
  })
}

export async function startProxy (opts: ProxyOptions): Promise<Proxy> {
  const nginx = findNginx()
  if (!nginx) throw new Error('nginx not found (Debian: apt-get install nginx-light; or set NGINX_PATH)')
  const dir = await mkdtemp(join(tmpdir(), 'hostly-proxy-'))
  const host = opts.host ?? '127.0.0.1'
  await writeFile(join(dir, 'nginx.conf'), nginxConf(dir, host, opts))
  const child = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', chunk => { stderr += chunk })
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit) // a test process that dies takes its proxy with it
  const exited = new Promise<number | null>(resolve => child.once('close', code => {
    process.off('exit', killOnExit)
    resolve(code)
  }))
  await once(child, 'spawn')
  const errors = async () => `${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`.trim().split('\n').slice(-20).join('\n')

  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM') // fast shutdown: open connections, WebSockets included, are closed
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  })())

  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await accepts(host, opts.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with code ${child.exitCode}` : `did not listen within ${READY_TIMEOUT_MS / 1000} s`
      const log = await errors()
      await stop()
      throw new Error(`nginx on ${host}:${opts.port} ${why}:\n${log}`)
    }
    await sleep(50)
  }
  return { url: `http://${host}:${opts.port}`, pid: child.pid!, dir, exited, errors, stop }
}

function accepts (host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, host)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

function nginxConf (dir: string, host: string, opts: ProxyOptions): string {
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`
  // One process (no master): a SIGKILL leaves no worker behind, and nothing changes user when run as root.
  return `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  upstream hostly {
    ${opts.upstreams.map(u => `server ${u};`).join('\n    ')}
    keepalive 16;
  }
  # Keep-alive to the upstreams for plain requests; "upgrade" for WebSockets.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }
  server {
    listen ${host}:${opts.port};
    location / {
      proxy_pass http://hostly;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      ${opts.bindAddress ? `proxy_bind ${opts.bindAddress};` : ''}
    }
  }
}
`
}
