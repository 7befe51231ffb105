import { readFile } from 'node:fs/promises'
import { Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { RecordSeen } from './kafka.ts'

// The AsyncAPI document of the topics (docs/asyncapi.yaml), parsed by the standard parser, with ajv
// validators for each channel's key, headers and payload, so records read from Kafka can be checked against it.

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv

export const DOCUMENT = new URL('../../docs/asyncapi.yaml', import.meta.url)

export interface Lane {
  address: string
  partitions: number | undefined
  key: ValidateFunction
  headers: ValidateFunction
  payload: ValidateFunction
  examples: Array<{ name?: string, headers?: unknown, payload?: unknown }>
}

export interface Contract {
  document: AsyncAPIDocumentInterface
  /** What the parser said about the document (errors, warnings, hints). */
  diagnostics: Diagnostic[]
  lanes: Map<string, Lane>
  /** The consumer groups (groupId const) that receive from the topic, and the clientIds that send to it. */
  receivers (address: string): string[]
  senders (address: string): string[]
}

async function parseDocument (): Promise<{ document: AsyncAPIDocumentInterface | undefined, diagnostics: Diagnostic[] }> {
  return await new Parser().parse(await readFile(DOCUMENT, 'utf8'), { source: DOCUMENT.pathname })
}

/** The parser marks each schema with x-parser-* keys; ajv in strict mode refuses unknown keywords, so they go. */
function withoutParserKeys (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutParserKeys)
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !k.startsWith('x-parser-')).map(([k, v]) => [k, withoutParserKeys(v)]))
}

export function schemaCompiler () {
  // strict: an unknown keyword or a typo in the document's schemas is an error here, not silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
  addFormats(ajv, ['date', 'date-time', 'uuid'])
  return (schema: unknown) => ajv.compile(withoutParserKeys(schema ?? {}) as object)
}

export async function loadContract (): Promise<Contract> {
  const { document, diagnostics } = await parseDocument()
  if (!document) throw new Error(`docs/asyncapi.yaml does not parse: ${diagnostics.map(d => d.message).join('; ')}`)
  const compile = schemaCompiler()
  const lanes = new Map<string, Lane>()
  for (const channel of document.channels().all()) {
    // A .dlq channel also carries the markers `hostly dlq discard` writes; every channel has one kind of event record.
    const messages = channel.messages().all().filter(m => m.name() !== 'discard-marker')
    if (messages.length !== 1) throw new Error(`channel ${channel.id()} should carry one message besides discard markers, has ${messages.length}`)
    const [message] = messages
    const address = channel.address() ?? channel.id()
    lanes.set(address, {
      address,
      partitions: channel.bindings().get('kafka')?.value().partitions,
      key: compile(message.bindings().get('kafka')?.value().key),
      headers: compile(message.headers()?.json()),
      payload: compile(message.payload()?.json()),
      examples: message.examples().all().map(e => ({ name: e.name(), headers: e.headers(), payload: e.payload() }))
    })
  }
  const ids = (address: string, action: 'send' | 'receive', field: 'groupId' | 'clientId') => document.operations().all()
    .filter(op => op.action() === action && op.channels().all().some(c => c.address() === address))
    .map(op => op.bindings().get('kafka')?.value()[field]?.const)
    .filter((id): id is string => typeof id === 'string')
  return {
    document,
    diagnostics,
    lanes,
    receivers: address => ids(address, 'receive', 'groupId'),
    senders: address => ids(address, 'send', 'clientId')
  }
}

/** What is wrong with a record read from Kafka, measured against its topic's channel: [] when nothing. */
export function recordProblems (contract: Contract, record: RecordSeen): string[] {
  const lane = contract.lanes.get(record.topic)
  if (!lane) return [`topic ${record.topic} is not in the document`]
  const problems: string[] = []
  const check = (part: string, validate: ValidateFunction, data: unknown) => {
    if (!validate(data)) problems.push(...(validate.errors ?? []).map(e => `${part}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`))
  }
  let value: unknown
  try {
    value = JSON.parse(record.value)
  } catch {
    value = record.value // the dead-letter lanes promise nothing about a poison record's value
  }
  check('key', lane.key, record.key)
  check('headers', lane.headers, record.headers)
  check('payload', lane.payload, value)
  return problems
}
