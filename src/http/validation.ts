import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import type { ErrorDetail } from '../errors.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv

function build (coerceTypes: boolean): Ajv {
  // removeAdditional is off so that an unknown field is an error, not silently dropped (Fastify's default).
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: true, strict: false,
    verbose: true, multipleOfPrecision: 9 }) // verbose: errors carry their schema, for its description
  // 'date' in full mode refuses impossible days such as 2024-02-30.
  addFormats(ajv, ['date', 'email'])
  return ajv
}

// A JSON body is taken as typed: "2" is not a number. Query strings and path parameters are text
// by nature, so they are coerced to the schema's types.
const bodyAjv = build(false)
const textAjv = build(true)

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema) as ReturnType<FastifySchemaCompiler<object>>

const article = (type: string) => (/^[aeiou]/.test(type) ? 'an' : 'a')

/** One ajv error in words a user understands, with the field it is about. */
export function describe (error: ErrorObject, part: string): ErrorDetail {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.')
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { field: join(path, String(p.missingProperty)), message: 'is required' }
    case 'additionalProperties':
      return { field: join(path, String(p.additionalProperty)), message: 'is not a known field' }
    case 'type':
      if (path === '') return { field: part, message: `must be a JSON ${p.type}` }
      return { field: path, message: `must be ${article(String(p.type))} ${p.type}` }
    case 'format':
      return { field: path, message: p.format === 'date' ? 'must be a real calendar date written YYYY-MM-DD' : `must be a valid ${p.format}` }
    case 'minimum': case 'exclusiveMinimum': case 'maximum': case 'exclusiveMaximum':
      return { field: path, message: `must be ${limitWords[error.keyword]} ${p.limit}` }
    case 'minLength':
      return { field: path, message: Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${p.limit} characters` }
    case 'maxLength':
      return { field: path, message: `must be at most ${p.limit} characters` }
    case 'maxItems':
      return { field: path, message: `must have at most ${p.limit} items` }
    case 'enum':
      return { field: path, message: `must be one of: ${(p.allowedValues as unknown[]).join(', ')}` }
    case 'pattern':
      return { field: path, message: error.parentSchema?.description ?? 'has the wrong format' }
    case 'multipleOf':
      return { field: path, message: 'must have at most two decimals' }
    default:
      return { field: path || part, message: error.message ?? 'is invalid' }
  }
}

const limitWords: Record<string, string> = {
  minimum: 'at least', exclusiveMinimum: 'greater than', maximum: 'at most', exclusiveMaximum: 'less than'
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name)
