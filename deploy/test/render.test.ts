// Offline proof of the manifests: every overlay renders with kubectl kustomize, every object is valid against
// the Kubernetes or Strimzi schemas, and the manifests agree with the code and with themselves.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { TOPICS } from '../../src/bookings/events.ts'
import { PARTITIONS } from '../../src/kafka/client/clients.ts'
import { withFailureTopics } from '../../src/kafka/client/topics.ts'
import { MESSAGE_TOPICS } from '../../src/messages/events.ts'
import { REVIEW_TOPICS } from '../../src/reviews/events.ts'
import { workerSpecs } from '../../src/services-kafka.ts'
import { configVariables, hostlyCommands, NODE_VARIABLES, operationPaths, PENDING_VARIABLES, PENDING_WORKERS, shutdownDeadlineSeconds } from './code-facts.ts'
import { containerEnv, find, isHostly, k8sDir, OVERLAYS, render, selects, workloads, type Obj } from './manifests.ts'
import { validateKubernetes, validateStrimzi } from './schemas.ts'

const topics = withFailureTopics([...Object.values(TOPICS), ...Object.values(MESSAGE_TOPICS), ...Object.values(REVIEW_TOPICS)]).sort()
/** Every consumer group a worker runs (the e-mail worker's are checked by their names below). */
const groups = [...Object.values(workerSpecs).map(s => s.group), 'email-service-group', 'message-email-group', 'review-email-group']
const podSpec = (w: Obj) => w.spec.template.spec
const hostlyContainers = (objs: Obj[]) => workloads(objs).flatMap(w => podSpec(w).containers.filter((c: any) => isHostly(c.image)).map((c: any) => ({ w, c })))

test('kubectl kustomize is version 4 or newer (components, labels, envs)', () => {
  const out = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
  const m = /Kustomize Version: v(\d+)/.exec(out)
  assert.ok(m && Number(m[1]) >= 4, `kubectl's kustomize is too old or missing: ${out}`)
})

for (const overlay of OVERLAYS) {
  describe(`overlay ${overlay}`, () => {
    let objs: Obj[]
    before(() => { objs = render(overlay) })

    test('every object is valid against the Kubernetes API schemas or Strimzi CRD schemas', () => {
      for (const o of objs) {
        const where = `${o.kind}/${o.metadata.name}`
        if (o.apiVersion.startsWith('kafka.strimzi.io/')) {
          const errors = validateStrimzi(o)
          assert.ok(errors, `${where}: no Strimzi CRD kept for ${o.apiVersion}`)
          assert.deepEqual(errors, [], where)
        } else {
          assert.ok(validateKubernetes(o), `${where}: ${o.apiVersion} is not a Kubernetes kind`)
        }
      }
    })

    test('everything is in the namespace hostly, and every pod template has enableServiceLinks: false', () => {
      for (const o of objs.filter(o => o.kind !== 'Namespace')) assert.equal(o.metadata.namespace, 'hostly', `${o.kind}/${o.metadata.name}`)
      for (const w of workloads(objs)) assert.equal(podSpec(w).enableServiceLinks, false, `${w.kind}/${w.metadata.name}`)
    })

    test('Hostly containers run real hostly commands, set only variables the code reads, and the required ones', () => {
      const read = configVariables()
      const { commands, workers } = hostlyCommands()
      const pending = new Set<string>()
      for (const { w, c } of hostlyContainers(objs)) {
        const where = `${w.metadata.name}/${c.name}`
        assert.equal(c.command, undefined, `${where}: the image's entrypoint (hostly) must stay`)
        const [command, name] = c.args
        assert.ok(commands.has(command), `${where}: "hostly ${command}" is not a hostly command (${[...commands]})`)
        if (command === 'worker') {
          if (!workers.has(name) && PENDING_WORKERS[name]) pending.add(`worker ${name}: ${PENDING_WORKERS[name]}`)
          else assert.ok(workers.has(name), `${where}: no worker "${name}" (${[...workers]})`)
        }
        const env = containerEnv(objs, w, c)
        for (const v of Object.keys(env)) {
          if (read.has(v) || NODE_VARIABLES.has(v)) continue
          assert.ok(PENDING_VARIABLES[v], `${where}: sets ${v}, which src/config.ts does not read`)
          pending.add(`${v}: ${PENDING_VARIABLES[v]}`)
        }
        assert.ok(env.DATABASE_URL?.startsWith('postgres://'), `${where}: DATABASE_URL is required`)
        assert.ok(env.KAFKA_BROKERS || env.KAFKA_BROKER, `${where}: KAFKA_BROKER(S) is required`)
      }
      for (const p of pending) console.log(`# not yet in this branch's code, allowed: ${p}`)
    })

    test('probes use routes and named ports that exist; grace periods exceed the shutdown deadline', () => {
      const paths = operationPaths()
      const deadline = shutdownDeadlineSeconds()
      for (const w of workloads(objs)) {
        for (const c of podSpec(w).containers) {
          const portNames = new Set((c.ports ?? []).map((p: any) => p.name))
          for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
            const action = probe.httpGet ?? probe.tcpSocket
            if (!action) continue
            if (probe.httpGet) assert.ok(paths.has(probe.httpGet.path), `${w.metadata.name}: no route ${probe.httpGet.path}`)
            assert.ok(portNames.has(action.port), `${w.metadata.name}: probe port ${action.port} is not a named port of ${c.name}`)
          }
          // The API listens on PORT (port http); every Hostly process serves /metrics (and probes) on METRICS_PORT.
          for (const p of isHostly(c.image) ? c.ports ?? [] : []) {
            const variable = p.name === 'metrics' ? 'METRICS_PORT' : 'PORT'
            assert.equal(containerEnv(objs, w, c)[variable], String(p.containerPort), `${w.metadata.name}: ${variable} must match containerPort ${p.name}`)
          }
        }
        if (w.kind === 'Deployment') assert.ok(podSpec(w).terminationGracePeriodSeconds > deadline + 5, `${w.metadata.name}: grace period`)
      }
    })

    test('selectors select their pods, Services and Ingresses target named ports that exist, references resolve', () => {
      const templates = workloads(objs).map(w => ({ w, labels: w.spec.template.metadata?.labels ?? {} }))
      const podsOf = (selector: any) => templates.filter(t => selects(selector, t.labels))
      for (const { w, labels } of templates) if (w.kind !== 'Job') assert.ok(selects(w.spec.selector, labels), `${w.metadata.name}: selector`)
      for (const svc of objs.filter(o => o.kind === 'Service')) {
        const pods = podsOf(svc.spec.selector)
        assert.ok(pods.length > 0, `Service ${svc.metadata.name} selects no pod`)
        for (const p of svc.spec.ports) {
          for (const { w } of pods) {
            const names = podSpec(w).containers.flatMap((c: any) => (c.ports ?? []).map((cp: any) => cp.name))
            assert.ok(names.includes(p.targetPort), `Service ${svc.metadata.name}: ${w.metadata.name} has no port named ${p.targetPort}`)
          }
        }
      }
      for (const o of objs.filter(o => ['PodDisruptionBudget', 'NetworkPolicy'].includes(o.kind))) {
        const selector = o.spec.selector ?? o.spec.podSelector
        if (Object.keys(selector.matchLabels ?? {}).length > 0) assert.ok(podsOf(selector).length > 0, `${o.kind}/${o.metadata.name} selects no pod`)
      }
      for (const w of workloads(objs).filter(w => w.kind === 'StatefulSet')) assert.ok(find(objs, 'Service', w.spec.serviceName), `${w.metadata.name}: serviceName`)
      for (const hpa of objs.filter(o => o.kind === 'HorizontalPodAutoscaler')) assert.ok(find(objs, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name))
      for (const ing of objs.filter(o => o.kind === 'Ingress')) {
        const paths = ing.spec.rules.flatMap((r: any) => r.http.paths)
        assert.ok(paths.some((p: any) => p.path === '/api/live'), 'the Ingress routes /api/live (WebSocket)')
        for (const { backend } of paths) {
          const svc = find(objs, 'Service', backend.service.name)
          assert.ok(svc?.spec.ports.some((p: any) => p.name === backend.service.port.name), `Ingress → ${backend.service.name}:${backend.service.port.name}`)
        }
      }
      for (const w of workloads(objs)) for (const c of podSpec(w).containers) containerEnv(objs, w, c) // throws on a missing ConfigMap/Secret
    })

    test('what is exposed: the Ingress leads only to the API\'s port http; /metrics is on each Hostly pod\'s port metrics, which Prometheus\'s annotations name and nothing else leads to', () => {
      const backendsOf = (ing: Obj) => ing.spec.rules.flatMap((r: any) => r.http.paths).map((p: any) => p.backend.service)
      for (const ing of objs.filter(o => o.kind === 'Ingress')) {
        for (const backend of backendsOf(ing)) {
          const port = find(objs, 'Service', backend.name)!.spec.ports.find((p: any) => p.name === backend.port.name)
          assert.equal(port.targetPort, 'http', `Ingress ${ing.metadata.name} → ${backend.name}:${backend.port.name}`)
        }
      }
      for (const svc of objs.filter(o => o.kind === 'Service')) {
        for (const p of svc.spec.ports) assert.notEqual(p.targetPort, 'metrics', `Service ${svc.metadata.name} leads to a metrics port`)
      }
      for (const policy of objs.filter(o => o.kind === 'NetworkPolicy')) {
        const fromIngress = (policy.spec.ingress ?? []).filter((r: any) => r.from?.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx'))
        for (const rule of fromIngress) assert.deepEqual(rule.ports.map((p: any) => p.port), ['http'], `${policy.metadata.name}: the ingress controller reaches http only`)
      }
      for (const { w, c } of hostlyContainers(objs).filter(({ w }) => w.kind === 'Deployment')) {
        const metrics = (c.ports ?? []).find((p: any) => p.name === 'metrics')
        assert.ok(metrics, `${w.metadata.name}: a port named metrics`)
        const a = w.spec.template.metadata.annotations ?? {}
        assert.deepEqual([a['prometheus.io/scrape'], a['prometheus.io/port'], a['prometheus.io/path']], ['true', String(metrics.containerPort), '/metrics'], `${w.metadata.name}: scrape annotations`)
      }
      // The viewer at /docs is third-party script on the app's origin: production turns it off (docs/deploy.md).
      const api = hostlyContainers(objs).find(({ w }) => w.metadata.name === 'hostly-api')!
      assert.equal(containerEnv(objs, api.w, api.c).DOCS_ENABLED ?? 'true', overlay === 'dev' ? 'true' : 'false', 'DOCS_ENABLED')
    })

    test('pods run as non-root without capabilities; Hostly containers on a read-only root filesystem', () => {
      for (const w of workloads(objs)) {
        assert.equal(podSpec(w).securityContext?.runAsNonRoot, true, `${w.metadata.name}: runAsNonRoot`)
        for (const c of podSpec(w).containers) {
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.metadata.name}: allowPrivilegeEscalation`)
          assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${w.metadata.name}: capabilities`)
          assert.ok(c.resources?.requests && c.resources?.limits?.memory, `${w.metadata.name}: resources`)
          if (isHostly(c.image)) assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.metadata.name}: readOnlyRootFilesystem`)
        }
      }
    })

    test('consumer replicas stay within the partition count; Kafka topics are exactly the code\'s', () => {
      for (const w of workloads(objs).filter(w => w.metadata.name.startsWith('hostly-worker-'))) {
        assert.ok(w.spec.replicas <= PARTITIONS, `${w.metadata.name}: ${w.spec.replicas} replicas > ${PARTITIONS} partitions`)
      }
      const kafkaTopics = objs.filter(o => o.kind === 'KafkaTopic')
      if (kafkaTopics.length > 0) {
        assert.deepEqual(kafkaTopics.map(t => t.spec.topicName).sort(), topics)
        for (const t of kafkaTopics) assert.deepEqual([t.spec.partitions, t.spec.replicas, t.spec.config['min.insync.replicas']], [PARTITIONS, 3, 2])
        const acl = find(objs, 'KafkaUser', 'hostly-worker')!.spec.authorization.acls
        for (const g of groups) assert.ok(acl.some((a: any) => a.resource.type === 'group' && g.startsWith(a.resource.name)), `no group ACL for ${g}`)
      }
      if (overlay === 'prod') {
        const script = readFileSync(join(k8sDir, 'overlays/prod/kafka-setup.sh'), 'utf8')
        assert.deepEqual(/^TOPICS="([^"]+)"/m.exec(script)![1].split(' ').sort(), topics)
        const acls = /for group in ([^;]+);/.exec(script)![1].split(' ')
        for (const g of groups) assert.ok(acls.includes(g), `kafka-setup.sh: no group ACL for ${g}`)
      }
    })
  })
}
