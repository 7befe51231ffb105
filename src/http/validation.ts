import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { FIRST_DATE } from '../dates.ts'
import type { ErrorDetail } from '../errors.ts'
import { FieldLabel } from '../field-labels.ts'

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

/** The kind of value a JSON type is, in words: "must be a whole number". */
const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number', number: 'a number', string: 'text', boolean: 'true or false', array: 'a list', object: 'a JSON object', null: 'null'
}

/** What a part of the request that has unknown fields calls them. */
const UNKNOWN: Record<string, string> = {
  body: 'This request has a field it does not take.',
  querystring: 'This request has a query parameter it does not take.',
  params: 'This address has a part it does not take.'
}

/**
 * One ajv error as a sentence a person reads, with the field it is about (its wire name or path: `amenities.1`);
 * undefined for an error another one of the same field says better (each `const` of an `anyOf` of values).
 */
export function describe (error: ErrorObject, part: string): ErrorDetail | undefined {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.')
  const p = error.params as Record<string, unknown>
  const about = (field: string, problem: string): ErrorDetail => ({ field, message: `${FieldLabel(field)} ${problem}.` })
  switch (error.keyword) {
    case 'required':
      return about(join(path, String(p.missingProperty)), 'is required')
    case 'additionalProperties':
      return { field: join(path, String(p.additionalProperty)), message: UNKNOWN[part] ?? UNKNOWN.body }
    case 'type':
      return about(path || part, `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}`)
    case 'format':
      return about(path, p.format === 'date' ? `must be a real calendar date from ${FIRST_DATE} on, written YYYY-MM-DD` : p.format === 'email' ? 'must be an e-mail address such as ada@example.com' : `must be a valid ${p.format}`)
    case 'minimum': case 'exclusiveMinimum': case 'maximum': case 'exclusiveMaximum':
      return about(path, `must be ${limitWords[error.keyword]} ${p.limit}`)
    case 'minLength':
      return about(path, Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`)
    case 'maxLength':
      return about(path, `must be at most ${p.limit} characters long`)
    case 'minProperties':
      return { field: path || part, message: 'This request changes nothing: send at least one field to change.' }
    case 'maxItems':
      return about(path, `must have at most ${p.limit} items`)
    case 'enum':
      return about(path, `must be ${values(p.allowedValues as unknown[])}`)
    case 'const':
      // A value of an anyOf of values: the anyOf's error lists them all.
      return error.schemaPath.includes('/anyOf/') ? undefined : about(path, `must be ${values([p.allowedValue])}`)
    case 'anyOf': {
      const consts = (error.schema as Array<{ const?: unknown }>).map(s => s.const)
      return about(path || part, consts.every(c => c !== undefined) ? `must be ${values(consts)}` : 'is not a value this field takes')
    }
    case 'pattern':
      return about(path, error.parentSchema?.description ?? 'is not written the way it should be')
    case 'x-decimals':
      return about(path, `must have at most ${error.schema} decimal places`)
    case 'nul':
      return about(path, 'must not contain the NUL character')
    default:
      return about(path || part, 'is not a value this field takes')
  }
}

/** Values a field takes, each quoted as it is sent: “price_asc”, “newest”. */
const values = (list: unknown[]) => list.map(v => `“${String(v)}”`).join(', ').replace(/, ([^,]*)$/, ' or $1')

const limitWords: Record<string, string> = {
  minimum: 'at least', exclusiveMinimum: 'greater than', maximum: 'at most', exclusiveMaximum: 'less than'
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name)
