import { execFile } from 'node:child_process'
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../src/kafka/local/broker.ts'

// A PostgreSQL server of its own (initdb into a temporary folder, on a free port), for the tests that restart
// the server: restarting the machine's own would fail every other test running at the time. The same binaries
// as the machine's server, so the same version and extensions.

const run = promisify(execFile)

export interface PostgresServer {
  port: number
  /** The server's data folder (its postmaster.pid names the postmaster). */
  dataDir: string
  /** A URL for the named database on this server (created by `hostly migrate` / `start` when missing). */
  url (database: string): string
  /** A fast restart (`pg_ctl restart -m fast`, as `pg_ctlcluster … restart` does): every connection is closed. */
  restart (): Promise<void>
  /** Stops the server at once and removes its folder. */
  stop (): Promise<void>
}

/** The newest PostgreSQL's bin folder (Debian keeps each major version under /usr/lib/postgresql/<n>/bin). */
export async function binDir (): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql')
  return join('/usr/lib/postgresql', versions[0], 'bin')
}

/** initdb refuses to run as root: as root, the server runs as the `postgres` account, which owns its folder. */
async function serverAccount (): Promise<{ uid: number, gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find(l => l.startsWith('postgres:'))
  if (!line) throw new Error('running as root, and there is no postgres account to run a PostgreSQL server as')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** settings: postgresql.conf lines added after the defaults below (a later line wins), e.g. shared_preload_libraries. */
export async function startPostgresServer (opts: { settings?: string[] } = {}): Promise<PostgresServer> {
  const bin = await binDir()
  const account = await serverAccount()
  const home = await mkdtemp(join(tmpdir(), 'hostly-pg-'))
  if (account) await chown(home, account.uid, account.gid)
  const data = join(home, 'data')
  const port = await freePort()
  const as = { ...account, env: { ...process.env, LC_ALL: 'C.UTF-8' } }
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...args], as)

  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], as)
  // Throw-away data: no fsync. The socket in our own folder, so nothing collides with the machine's server.
  await writeFile(join(data, 'postgresql.auto.conf'), [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${home}'`,
    'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 200',
    ...opts.settings ?? []
  ].join('\n') + '\n')
  if (account) await chown(join(data, 'postgresql.auto.conf'), account.uid, account.gid)
  await pgCtl('-l', join(home, 'server.log'), 'start')

  return {
    port,
    dataDir: data,
    url: database => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart () { await pgCtl('-l', join(home, 'server.log'), '-m', 'fast', 'restart') },
    async stop () {
      await pgCtl('-m', 'immediate', 'stop').catch(() => {}) // already stopped
      await rm(home, { recursive: true, force: true })
    }
  }
}
