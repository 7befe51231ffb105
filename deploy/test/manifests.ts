// Renders the kustomize overlays as an operator would (kubectl kustomize) and answers questions about the
// objects: the environment a container would get, the variables Kubernetes injects for Services, the pods'
// workloads. The secrets come from the committed *.env.example files, copied into a temporary tree.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, globSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'

export const k8sDir = resolve(import.meta.dirname, '../k8s')
export const OVERLAYS = ['dev', 'prod', 'strimzi'] as const
export type Obj = { apiVersion: string, kind: string, metadata: { name: string, namespace?: string, labels?: Record<string, string>, annotations?: Record<string, string> }, [k: string]: any }

/**
 * kubectl kustomize of one overlay, with its secrets filled from the examples (the password made random).
 * images: replacements, applied the standard way (an overlay on top with an images: field).
 */
export function render (overlay: string, images: { name: string, newName: string, newTag: string }[] = []): Obj[] {
  const tree = mkdtempSync(join(tmpdir(), 'hostly-k8s-'))
  try {
    cpSync(k8sDir, tree, { recursive: true })
    const password = randomBytes(12).toString('hex') // one, so that DATABASE_URL and POSTGRES_PASSWORD agree
    for (const example of globSync(join(tree, 'overlays', overlay, 'secrets', '*.env.example'))) {
      writeFileSync(example.replace(/\.example$/, ''), readFileSync(example, 'utf8').replaceAll('change-me', password))
    }
    let dir = join(tree, 'overlays', overlay)
    if (images.length > 0) {
      dir = join(tree, 'overlays', `${overlay}-images`)
      mkdirSync(dir)
      writeFileSync(join(dir, 'kustomization.yaml'), JSON.stringify({ resources: [`../${overlay}`], images }))
    }
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })
    const objs: Obj[] = parseAllDocuments(out).map(d => d.toJS()).filter(Boolean)
    // kustomize folds long base64 values over lines; the API server's decoder skips the line breaks.
    for (const s of objs.filter(o => o.kind === 'Secret')) for (const k in s.data) s.data[k] = s.data[k].replace(/\s/g, '')
    return objs
  } finally {
    rmSync(tree, { recursive: true, force: true })
  }
}

export const WORKLOADS = ['Deployment', 'StatefulSet', 'Job']
export const workloads = (objs: Obj[]) => objs.filter(o => WORKLOADS.includes(o.kind))
export const find = (objs: Obj[], kind: string, name: string) => objs.find(o => o.kind === kind && o.metadata.name === name)
/** Hostly's own containers: those whose image is the Hostly image. */
export const isHostly = (image: string) => /(^|\/)hostly(:|$)/.test(image)

const decode = (s: Obj, key: string) => s.stringData?.[key] ?? Buffer.from(s.data?.[key] ?? '', 'base64').toString()

/** The variables a container's definition gives it (envFrom, then env), as the kubelet resolves them. */
export function containerEnv (objs: Obj[], pod: Obj, container: any): Record<string, string> {
  const env: Record<string, string> = {}
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef
    const source = find(objs, from.configMapRef ? 'ConfigMap' : 'Secret', ref.name)
    if (!source) throw new Error(`${container.name}: envFrom ${ref.name} is not in the rendered objects`)
    for (const key of Object.keys({ ...source.data, ...source.stringData })) env[key] = from.configMapRef ? source.data[key] : decode(source, key)
  }
  for (const e of container.env ?? []) {
    const v = e.valueFrom
    if (!v) env[e.name] = String(e.value ?? '').replace(/\$\((\w+)\)/g, (_: string, n: string) => env[n] ?? `$(${n})`)
    else if (v.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${pod.metadata.name}-0`
    else if (v.fieldRef) env[e.name] = '0' // the pod index label of the first pod
    else if (v.secretKeyRef) env[e.name] = decodeRef(objs, 'Secret', v.secretKeyRef)
    else if (v.configMapKeyRef) env[e.name] = decodeRef(objs, 'ConfigMap', v.configMapKeyRef)
  }
  return env
}

function decodeRef (objs: Obj[], kind: string, ref: { name: string, key: string }): string {
  const source = find(objs, kind, ref.name)
  // A KafkaUser's Secret is written by the Strimzi operator at run time.
  if (!source && find(objs, 'KafkaUser', ref.name)) return randomBytes(12).toString('hex')
  if (!source) throw new Error(`${kind} ${ref.name} is not in the rendered objects`)
  return kind === 'Secret' ? decode(source, ref.key) : source.data[ref.key]
}

/** What Kubernetes injects into a pod with service links on, for every Service of its namespace. */
export function serviceLinkEnv (objs: Obj[]): Record<string, string> {
  const env: Record<string, string> = {}
  objs.filter(o => o.kind === 'Service').forEach((svc, i) => {
    const name = svc.metadata.name.toUpperCase().replaceAll('-', '_')
    const ip = svc.spec.clusterIP === 'None' ? undefined : `10.0.0.${i + 1}`
    if (!ip) return // headless Services get no variables
    const [first, ...rest] = svc.spec.ports
    env[`${name}_SERVICE_HOST`] = ip
    env[`${name}_SERVICE_PORT`] = String(first.port)
    env[`${name}_PORT`] = `tcp://${ip}:${first.port}`
    for (const p of [first, ...rest]) {
      if (p.name) env[`${name}_SERVICE_PORT_${p.name.toUpperCase().replaceAll('-', '_')}`] = String(p.port)
      const prefix = `${name}_PORT_${p.port}_TCP`
      Object.assign(env, { [prefix]: `tcp://${ip}:${p.port}`, [`${prefix}_PROTO`]: 'tcp', [`${prefix}_PORT`]: String(p.port), [`${prefix}_ADDR`]: ip })
    }
  })
  return env
}

/** Does a label selector (matchLabels, or a plain map as in a Service) select these labels? */
export function selects (selector: Record<string, string> | { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string> = {}): boolean {
  const match = (selector as any)?.matchLabels ?? selector ?? {}
  return Object.entries(match).every(([k, v]) => labels[k] === v)
}
