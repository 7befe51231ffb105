import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { openapiTypes, TYPES_FILE } from '../scripts/openapi-types.ts'

// The web app's API types are generated from the OpenAPI document (openapi-typescript); the type checker then
// holds every page to them. This fails when the API changed and the types were not generated again.

test('web/src/api/openapi.d.ts is exactly what `npm run web:types` makes from the API\'s OpenAPI document', async () => {
  assert.equal(readFileSync(TYPES_FILE, 'utf8'), await openapiTypes(), 'run `npm run web:types` and commit the result')
})
