// ESLint: neostandard (the standard style) with typescript-eslint for the .ts sources. Three rules are set
// differently, each for a reason:
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['node_modules/**', 'kafka/libs/**', '.data/**', 'coverage/**', 'web/dist/**', 'test-results/**', 'web/src/api/openapi.d.ts']
  }),
  {
    rules: {
      // snake_case is the wire contract (docs/http.md's field names, the event payloads) and the database's column
      // names; the code destructures and passes them as they are rather than renaming at every edge.
      camelcase: 'off',
      // TypeBox's idiom declares a schema and its type under one name (const X = Type.Object(…); type X =
      // Static<typeof X>); TypeScript itself reports a real redeclaration.
      '@typescript-eslint/no-redeclare': 'off',
      // `void promise` marks a deliberately unawaited call (a background loop), as a statement only.
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
