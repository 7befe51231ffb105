// Turns the rendered dev overlay into what `podman kube play` runs, and drives podman. Podman implements Pods,
// Deployments and ConfigMaps but not Services: each workload becomes one Pod named after the Service in front
// of it (pods resolve each other by pod name on a podman network), so `kafka:9092` and `postgres:5432` work.
// What the converter changes, and why (everything else is passed through as rendered):
// - Secrets become ConfigMaps with the decoded values (podman kube play does not read Secret objects).
// - fieldRef variables get the values the kubelet would give the first pod (metadata.name, pod index 0).
// - volumeClaimTemplates become podman named volumes (persistentVolumeClaim), prefixed hostly-test-.
// - Container ports are dropped: podman 4.3 publishes each containerPort on the host (where 5432 is taken);
//   pods reach each other over the podman network without them.
// - Probes and lifecycle hooks are dropped: podman would run them as commands inside the container (curl is not
//   in the image); the test calls /readyz and /healthz itself.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { find, WORKLOADS, type Obj } from './manifests.ts'

const run = promisify(execFile)
export const PREFIX = 'hostly-test'
export const NETWORK = `${PREFIX}-net`

export async function podman (...args: string[]): Promise<string> {
  const { stdout } = await run('podman', args, { maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/** One Pod per workload, keyed by pod name. */
export function toPods (objs: Obj[]): Map<string, Obj> {
  const pods = new Map<string, Obj>()
  for (const w of objs.filter(o => WORKLOADS.includes(o.kind))) {
    const template = w.spec.template
    const labels = template.metadata?.labels ?? {}
    const service = objs.find(o => o.kind === 'Service' && o.spec.clusterIP !== 'None' &&
      Object.entries(o.spec.selector ?? {}).every(([k, v]) => labels[k] === v))
    const name = service?.metadata.name ?? w.metadata.name
    const spec = structuredClone(template.spec)
    for (const c of spec.containers) {
      c.imagePullPolicy = 'Never'
      delete c.ports; delete c.readinessProbe; delete c.livenessProbe; delete c.startupProbe; delete c.lifecycle
      for (const from of c.envFrom ?? []) {
        if (from.secretRef) { from.configMapRef = from.secretRef; delete from.secretRef }
      }
      for (const e of c.env ?? []) {
        const v = e.valueFrom
        if (v?.fieldRef) {
          e.value = v.fieldRef.fieldPath === 'metadata.name' ? `${w.metadata.name}-0` : '0'
          delete e.valueFrom
        } else if (v?.secretKeyRef) {
          v.configMapKeyRef = v.secretKeyRef
          delete v.secretKeyRef
        }
      }
    }
    for (const claim of w.spec.volumeClaimTemplates ?? []) {
      spec.volumes = [...(spec.volumes ?? []), { name: claim.metadata.name, persistentVolumeClaim: { claimName: `${PREFIX}-${w.metadata.name}-${claim.metadata.name}` } }]
    }
    for (const v of spec.volumes ?? []) {
      if (v.secret) { v.configMap = { name: v.secret.secretName }; delete v.secret }
    }
    delete spec.serviceAccountName; delete spec.automountServiceAccountToken
    if (w.kind === 'Job') spec.restartPolicy = 'OnFailure'
    pods.set(name, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec })
  }
  return pods
}

/** The ConfigMaps (and Secrets, as ConfigMaps) the pods refer to. */
export function configMaps (objs: Obj[]): Obj[] {
  return objs.filter(o => o.kind === 'ConfigMap' || o.kind === 'Secret').map(o => o.kind === 'ConfigMap'
    ? o
    : {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: o.metadata.name },
        data: Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()]))
      })
}

export const kubeYaml = (docs: Obj[]) => docs.map(d => stringify(d)).join('---\n')
export { find }
