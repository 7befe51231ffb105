// Validation of rendered objects: Kubernetes kinds against the API's OpenAPI schemas (kubernetes-models),
// Strimzi kinds against the openAPIV3Schema of Strimzi's CRDs (deploy/strimzi-crds), with fields the schema
// does not know reported too (the API server would prune them silently).
import { Ajv } from 'ajv'
import { globSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as models from 'kubernetes-models'
import { parse } from 'yaml'
import type { Obj } from './manifests.ts'

const camel = (group: string) => group.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())

/** Throws with the schema's message when a Kubernetes object is not valid; false when the kind is not Kubernetes'. */
export function validateKubernetes (obj: Obj): boolean {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['v1', obj.apiVersion]
  const ns = (models as any)[camel(group)]
  const Model = (group === 'v1' ? ns : ns?.[version])?.[obj.kind]
  if (!Model) return false
  new Model(obj).validate()
  return true
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
const crds = new Map<string, { validate: ReturnType<Ajv['compile']>, schema: any }>()
for (const file of globSync(resolve(import.meta.dirname, '../strimzi-crds/*.yaml'))) {
  const crd = parse(readFileSync(file, 'utf8'))
  for (const v of crd.spec.versions) {
    const schema = v.schema.openAPIV3Schema
    crds.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, { validate: ajv.compile(schema), schema })
  }
}

/** Errors of a Strimzi object against its CRD; undefined when no CRD of that kind and version is kept. */
export function validateStrimzi (obj: Obj): string[] | undefined {
  const crd = crds.get(`${obj.apiVersion}/${obj.kind}`)
  if (!crd) return undefined
  const errors = crd.validate(obj) ? [] : (crd.validate.errors ?? []).map(e => `${e.instancePath} ${e.message}`)
  return [...errors, ...unknownFields(obj.spec, crd.schema.properties.spec, '/spec')]
}

function unknownFields (value: any, schema: any, path: string): string[] {
  if (!schema || value === null || typeof value !== 'object' || schema['x-kubernetes-preserve-unknown-fields']) return []
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, schema.items, `${path}/${i}`))
  if (!schema.properties) return []
  return Object.entries(value).flatMap(([k, v]) => schema.properties[k]
    ? unknownFields(v, schema.properties[k], `${path}/${k}`)
    : [`${path}/${k} is not a field of the schema`])
}
