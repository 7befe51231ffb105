import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { globSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../src/log.ts'
import { startPieces, type Running } from '../src/services.ts'
import { book, listProperty, signUp } from './helpers/http.ts'
import { steady } from './helpers/load.ts'
import { ROOT } from './helpers/processes.ts'
import { startStack, type Stack } from './helpers/stack.ts'
import { waitFor } from './helpers/wait.ts'

// deploy/monitoring/ checked with Prometheus's own tools (Debian's `prometheus` package; .ci/run installs it):
// promtool runs the alert rules' unit tests, and a real Prometheus runs the shipped prometheus.yml against a
// running stack, its pods described by file (Debian's build has no Kubernetes discovery): the scrape config
// reaches METRICS_PORT only, and every query of the dashboard returns data. Without the package the tests are
// skipped, except in CI (CI set), where a missing promtool fails.

const MONITORING = join(ROOT, 'deploy', 'monitoring')

function found (command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const installed = found('promtool') && found('prometheus')
const skip = installed ? false : 'promtool and prometheus are not installed (apt-get install prometheus); .ci/run installs them'
if (!installed && process.env.CI) throw new Error('CI: promtool and prometheus must be installed (.ci/run installs the Debian prometheus package)')

test('the alert rules are valid and pass their promtool unit tests', { skip }, () => {
  execFileSync('promtool', ['check', 'rules', join(MONITORING, 'alerts.yaml')], { stdio: 'pipe' })
  const tests = globSync('tests/*.yaml', { cwd: MONITORING })
  assert.ok(tests.length > 0)
  const out = execFileSync('promtool', ['test', 'rules', ...tests], { cwd: MONITORING, encoding: 'utf8', stdio: 'pipe' })
  assert.match(out, /SUCCESS/)
})

async function freePort (): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

interface Panel { title: string, targets: Array<{ expr: string }> }

describe('a real Prometheus scraping the stack', { skip }, () => {
  let stack: Stack
  let worker: Running
  let prometheus: ChildProcess | undefined
  let dir: string | undefined
  let url: string

  before(async () => {
    // The API process (with the relay) and a separate worker process's pieces, each with its own registry.
    stack = await startStack({ pieces: { api: true, relay: true, sweeper: true, operationsPort: true } })
    worker = await startPieces({ ...stack.config, metricsPort: 0 }, { workers: ['owner', 'traveler', 'analytics'], operationsPort: true }, createLogger('silent'))
    dir = await mkdtemp(join(tmpdir(), 'hostly-prometheus-'))
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    // The shipped configuration, with the pods Kubernetes discovery would find given in a file: one target per
    // container port, labelled as discovery labels them (the API's pod has two ports; only metrics is scraped).
    const shipped = parse(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8'))
    const pod = (name: string, component: string, ports: Record<string, string>) => Object.entries(ports).map(([portName, address]) => ({
      targets: [new URL(address).host],
      labels: {
        __meta_kubernetes_pod_name: name,
        __meta_kubernetes_pod_container_port_name: portName,
        __meta_kubernetes_pod_label_app_kubernetes_io_component: component,
        __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
        __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics'
      }
    }))
    await writeFile(join(dir, 'pods.json'), JSON.stringify([
      ...pod('hostly-api-0', 'api', { http: stack.url, metrics: stack.running.operationsUrl! }),
      ...pod('hostly-worker-0', 'worker-owner', { metrics: worker.operationsUrl! })
    ]))
    const { kubernetes_sd_configs: _, ...job } = shipped.scrape_configs[0]
    await writeFile(join(dir, 'prometheus.yml'), JSON.stringify({
      ...shipped,
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: shipped.rule_files.map((f: string) => join(MONITORING, f)),
      scrape_configs: [{ ...job, file_sd_configs: [{ files: [join(dir, 'pods.json')] }] }]
    }))
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    prometheus.stderr!.on('data', chunk => { log = (log + String(chunk)).slice(-4000) })
    await waitFor('Prometheus ready', async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited ${prometheus!.exitCode}:\n${log}`)
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok
    }, 30_000, 200)
  })
  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM')
      await once(prometheus, 'exit')
    }
    if (dir) await rm(dir, { recursive: true, force: true })
    await worker?.stop()
    await stack?.stop()
  })

  async function query (expr: string): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>> {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)
    const body = await res.json() as { status: string, error?: string, data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }
    assert.equal(body.status, 'success', `${expr}: ${body.error}`)
    return body.data.result
  }

  test('the metrics ports are scraped, not the API\'s; the alert rules load; every dashboard query returns a number while bookings are made', async () => {
    await waitFor('both targets up', async () => (await query('up == 1')).length === 2, 30_000, 250)
    const targets = (await query('up')).map(r => `${r.metric.job} ${r.metric.instance}`).sort()
    assert.deepEqual(targets, ['api hostly-api-0', 'worker-owner hostly-worker-0'], 'one target per pod: its metrics port')
    const owner = await signUp(stack.url, 'owner')
    const traveler = await signUp(stack.url, 'traveler')
    const property = await listProperty(owner)
    // Bookings keep coming while the panels are checked: a rate needs its counters to move between two scrapes.
    const load = steady(250, 200, async i => {
      const booking = await book(traveler, property.id, 10 + i * 3, 2)
      if (i % 2 === 0) assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
    })
    const rules = await (await fetch(`${url}/api/v1/rules`)).json() as { data: { groups: Array<{ rules: unknown[] }> } }
    assert.equal(rules.data.groups[0]?.rules.length, 6, 'the six alert rules are loaded')

    const dashboard = JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8')) as { panels: Panel[] }
    const exprs = dashboard.panels.flatMap(p => p.targets.map(t => ({ panel: p.title, expr: t.expr })))
    assert.ok(exprs.length >= 9)
    try {
      for (const { panel, expr } of exprs) {
        await waitFor(`"${panel}": ${expr} to return a number`, async () =>
          (await query(expr)).some(r => Number.isFinite(Number(r.value[1]))), 30_000, 500)
      }
    } finally {
      const results = await load.stop()
      assert.ok(results.every(r => r.ok), 'every booking of the load was made')
    }
  })
})
