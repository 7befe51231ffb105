// A real bring-up of the dev overlay with `podman kube play`: the Hostly image built from deploy/Containerfile,
// stand-ins for apache/kafka and postgres (deploy/test/images), PostgreSQL and Kafka first, then the migrate
// Job, then the Deployments, as docs/deploy.md orders a rollout. Then, through the API pod: the seed's flow,
// the seed's log check, and Kafka stopped during 20 bookings. Everything it made is removed at the end.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { book, listProperty, signUp, type Client } from '../../test/helpers/http.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import { root } from './code-facts.ts'
import { render } from './manifests.ts'
import { configMaps, kubeYaml, NETWORK, podman, PREFIX, toPods } from './podman.ts'

const IMAGES = [
  { name: 'localhost/hostly', newName: `localhost/${PREFIX}-app`, newTag: 'latest' },
  { name: 'apache/kafka', newName: `localhost/${PREFIX}-kafka`, newTag: 'latest' },
  { name: 'postgres', newName: `localhost/${PREFIX}-postgres`, newTag: 'latest' }
]
const dir = mkdtempSync(join(tmpdir(), 'hostly-bringup-'))
const files: string[] = []
let api = ''

async function play (name: string, pods: string[], all: ReturnType<typeof toPods>, cms: ReturnType<typeof configMaps>) {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, kubeYaml([...cms, ...pods.map(p => all.get(p)!)]))
  files.push(file)
  await podman('kube', 'play', '--network', NETWORK, file)
}

const logs = async (pod: string) => {
  const ids = (await podman('ps', '-a', '--filter', `pod=${pod}`, '--format', '{{.ID}} {{.IsInfra}}')).trim().split('\n').filter(l => l.endsWith('false')).map(l => l.split(' ')[0])
  return (await Promise.all(ids.map(id => podman('logs', id).catch(() => '')))).join('')
}

before(async () => {
  try {
    await bringUp()
  } catch (err) { // what each pod said, for whoever reads the failure
    for (const pod of (await podman('pod', 'ps', '--format', '{{.Name}}', '--filter', `network=${NETWORK}`)).split('\n').filter(Boolean)) {
      console.log(`# --- ${pod}\n${(await logs(pod)).split('\n').slice(-15).map(l => `# ${l}`).join('\n')}`)
    }
    throw err
  }
})

async function bringUp () {
  const started = Date.now()
  execFileSync('bash', [join(root, 'deploy/test/build-images.sh')], { stdio: ['ignore', 'inherit', 'inherit'] })
  console.log(`# images ready in ${Math.round((Date.now() - started) / 1000)} s; hostly image ${await podman('image', 'inspect', `localhost/${PREFIX}-app:latest`, '--format', '{{.Size}}')}`.trim() + ' bytes')
  await podman('network', 'create', NETWORK)
  const objs = render('dev', IMAGES)
  const pods = toPods(objs)
  const cms = configMaps(objs)
  // The e-mail worker runs only where the image has it (issue 9 adds `hostly worker email`).
  const workers = await podman('run', '--rm', `localhost/${PREFIX}-app:latest`, 'worker', '--help')
  if (!/<[^>]*\bemail\b[^>]*>/.test(workers)) {
    pods.delete('hostly-worker-email')
    console.log('# hostly worker email does not exist in this image: its Deployment is not started')
  }
  await play('infra', ['postgres', 'kafka'], pods, cms)
  await waitFor('PostgreSQL', () => podman('exec', 'postgres-postgres', 'pg_isready', '-h', '127.0.0.1', '-U', 'hostly').then(() => true, () => false), 60_000, 500)
  await waitFor('Kafka', async () => /Kafka Server started/.test(await logs('kafka')), 90_000, 500)
  await play('migrate', ['hostly-migrate'], pods, cms)
  await waitFor('the migrate Job', async () => (await podman('inspect', 'hostly-migrate-migrate', '--format', '{{.State.Status}} {{.State.ExitCode}}')).trim() === 'exited 0', 60_000, 500)
  await play('app', [...pods.keys()].filter(p => p.startsWith('hostly-') && p !== 'hostly-migrate'), pods, cms)
  const ip = (await podman('inspect', 'hostly-api-api', '--format', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`)).trim()
  api = `http://${ip}:3000`
  await waitFor('the API ready', () => fetch(`${api}/readyz`).then(r => r.status === 200, () => false), 60_000, 500)
  console.log(`# bring-up ready ${Math.round((Date.now() - started) / 1000)} s after the start`)
}

after(async () => {
  if (process.env.HOSTLY_BRINGUP_KEEP) return console.log(`# HOSTLY_BRINGUP_KEEP: left running, files in ${dir}`)
  for (const file of files.reverse()) await podman('kube', 'down', file).catch(() => {})
  for (const pod of (await podman('pod', 'ps', '-q', '--filter', `network=${NETWORK}`)).split('\n').filter(Boolean)) await podman('pod', 'rm', '-f', pod).catch(() => {})
  for (const v of (await podman('volume', 'ls', '-q', '--filter', `name=${PREFIX}-`)).split('\n').filter(Boolean)) await podman('volume', 'rm', '-f', v).catch(() => {})
  await podman('network', 'rm', '-f', NETWORK).catch(() => {})
  // Ours, and the pause image podman builds for its pods when it cannot pull one.
  for (const ref of [`localhost/${PREFIX}-*`, 'localhost/podman-pause']) {
    for (const i of (await podman('images', '-q', '--filter', `reference=${ref}`)).split('\n').filter(Boolean)) await podman('rmi', '-f', i).catch(() => {})
  }
  rmSync(dir, { recursive: true, force: true })
})

const notifications = async (c: Client) => (await c.get('/api/notifications?limit=100')).body.notifications as { type: string, booking_id: number }[]

test('through the API pod: register, property, booking, accept; the owner and the traveler are notified', async () => {
  assert.equal((await fetch(`${api}/healthz`)).status, 200)
  const owner = await signUp(api, 'owner')
  const traveler = await signUp(api, 'traveler')
  const property = await listProperty(owner)
  const booking = await book(traveler, property.id, 10)
  assert.equal((await owner.post(`/api/bookings/${booking.id}/accept`)).status, 200)
  await waitFor('the owner notified', async () => (await notifications(owner)).some(n => n.type === 'booking_requested' && n.booking_id === booking.id), 60_000, 250)
  await waitFor('the traveler notified', async () => (await notifications(traveler)).some(n => n.type === 'booking_accepted' && n.booking_id === booking.id), 60_000, 250)
})

test('the API container runs with the NODE_OPTIONS its manifest sets (the young generation, BENCHMARKS.md)', async () => {
  const api = render('dev').find(o => o.kind === 'Deployment' && o.metadata.name === 'hostly-api')
  const wanted = api?.spec.template.spec.containers.find((c: { name: string }) => c.name === 'api')?.env
    ?.find((e: { name: string }) => e.name === 'NODE_OPTIONS')?.value
  assert.ok(wanted, 'the manifest sets NODE_OPTIONS for the API')
  // The environment of the container's first process, as the kubelet (here podman) gave it.
  const environ = (await podman('exec', 'hostly-api-api', 'cat', '/proc/1/environ')).split('\0')
  assert.ok(environ.includes(`NODE_OPTIONS=${wanted}`), environ.filter(v => v.startsWith('NODE')).join(', ') || 'no NODE_ variable')
  // The image's compile cache was filled for these options and this user: a module loads from it, types stripped.
  const loaded = await podman('exec', '-e', 'NODE_DEBUG_NATIVE=COMPILE_CACHE', 'hostly-api-api',
    'sh', '-c', 'node --input-type=module -e "await import(\'/app/src/config.ts\')" 2>&1').catch((err: Error) => err.message)
  assert.match(loaded, /retrieving transpile cache for StrippedTypeScript file:\/\/\/app\/src\/config\.ts\.\.\.success/, loaded.slice(0, 2000))
})

test('podman logs of the app=backend pods show the Kafka lines the seed\'s monitoring greps for', async () => {
  const pods = (await podman('pod', 'ps', '--filter', 'label=app=backend', '--format', '{{.Name}}')).trim().split('\n').filter(Boolean)
  assert.ok(pods.includes('hostly-api') && pods.includes('hostly-relay'), `app=backend pods: ${pods}`)
  const lines = (await Promise.all(pods.map(logs))).join('\n').split('\n').filter(l => l.includes('Kafka'))
  console.log(`# ${lines.length} Kafka lines, e.g. ${lines.slice(0, 3).join(' | ')}`)
  assert.ok(lines.some(l => /Kafka consumer: joined group/.test(l)), 'a consumer joined its group')
  assert.ok(lines.some(l => /Kafka topics ready/.test(l)), 'the topics were checked')
})

test('Kafka stopped during 20 bookings, then started: 20 × 201, then 20 owner notifications, none twice', async () => {
  const owner = await signUp(api, 'owner')
  // Four travelers, five requests each: a traveler may hold MAX_PENDING_PER_TRAVELER (10) pending requests.
  const travelers = await Promise.all([1, 2, 3, 4].map(() => signUp(api, 'traveler')))
  const property = await listProperty(owner)
  const ids: number[] = []
  for (let i = 0; i < 20; i++) {
    if (i === 5) await podman('pod', 'stop', 'kafka')
    ids.push((await book(travelers[i % 4], property.id, 20 + i * 4)).id) // book() asserts the 201
  }
  assert.equal(ids.length, 20)
  assert.match(await podman('pod', 'ps', '--filter', 'name=^kafka$', '--format', '{{.Status}}'), /Exited|Stopped/)
  await podman('pod', 'start', 'kafka')
  const mine = await waitFor('20 notifications', async () => {
    const found = (await notifications(owner)).filter(n => n.type === 'booking_requested' && ids.includes(n.booking_id))
    return found.length >= 20 ? found : undefined
  }, 240_000, 500) // a hang detector: the Kafka pod's JVM starting and the workers joining again, on a busy machine
  assert.equal(mine.length, 20)
  assert.equal(new Set(mine.map(n => n.booking_id)).size, 20)
})
