import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { FIRST_DATE } from '../dates.ts'
import type { ErrorDetail } from '../errors.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv

function build (coerceTypes: boolean): Ajv {
  // removeAdditional is off so that an unknown field is an error, not silently dropped (Fastify's default).
  const ajv = new Ajv({
    coerceTypes,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
    verbose: true
  }) // verbose: errors carry their schema, for its description
  // 'date' in full mode refuses impossible days such as 2024-02-30; PostgreSQL also has no year 0000 (ISO 8601's
  // 1 BC), so every date field of every route starts at FIRST_DATE.
  addFormats(ajv, ['date', 'email'])
  const calendar = ajv.formats.date as { validate: (s: string) => boolean, compare: (a: string, b: string) => number }
  ajv.addFormat('date', { type: 'string', validate: s => calendar.validate(s) && s >= FIRST_DATE, compare: calendar.compare })
  ajv.addKeyword({ keyword: 'x-decimals', type: 'number', schemaType: 'number', validate: hasDecimals })
  return ajv
}

/**
 * The `x-decimals: n` keyword: the number is exactly one with at most n decimals, as a numeric(p, n) column
 * stores it. JSON Schema's `multipleOf: 0.01` cannot say this: in binary floating point 1.11 is no exact
 * multiple of 0.01, so standard validators refuse real prices. Rounding to n decimals and comparing is exact:
 * 1.11 rounds to itself; 10.005 and 1e-12 do not.
 */
function hasDecimals (decimals: number, value: number): boolean {
  return Number.isFinite(value) && Number(value.toFixed(decimals)) === value
}

// A JSON body is taken as typed: "2" is not a number. Query strings and path parameters are text
// by nature, so they are coerced to the schema's types.
const bodyAjv = build(false)
const textAjv = build(true)

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
  // PostgreSQL text cannot hold U+0000: refuse it here, naming its field, rather than fail in the database (a 500).
  const check = Object.assign((data: unknown, cxt?: Parameters<ValidateFunction>[1]) => {
    const valid = validate(data, cxt)
    const at = valid ? nulAt(data, '') : undefined
    check.errors = at === undefined
      ? validate.errors
      : [{ keyword: 'nul', instancePath: at, schemaPath: '', params: {}, message: 'must not contain the NUL character' }]
    return valid && at === undefined
  }, { errors: null as ErrorObject[] | null | undefined, schemaEnv: validate.schemaEnv })
  return check as ReturnType<FastifySchemaCompiler<object>>
}

/** The path (as ajv writes it) of the first string in value that holds U+0000, if any. */
function nulAt (value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    const found = nulAt(item, `${path}/${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

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
      return { field: path, message: p.format === 'date' ? `must be a real calendar date from ${FIRST_DATE} on, written YYYY-MM-DD` : `must be a valid ${p.format}` }
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
    case 'x-decimals':
      return { field: path, message: `must have at most ${error.schema} decimals` }
    default:
      return { field: path || part, message: error.message ?? 'is invalid' }
  }
}

const limitWords: Record<string, string> = {
  minimum: 'at least', exclusiveMinimum: 'greater than', maximum: 'at most', exclusiveMaximum: 'less than'
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name)
