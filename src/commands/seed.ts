import { createPool } from '../db/pool.ts'
import { DEMO_PASSWORD, seedDemo } from '../demo/seed.ts'

/** hostly seed --demo: prints what it did, for a person; 1 when the database is not a demo's to fill. */
export async function seed (databaseUrl: string): Promise<number> {
  const pool = createPool(databaseUrl, 2)
  try {
    const outcome = await seedDemo(pool)
    if (outcome.seeded) {
      console.log(`Demo seeded. Sign in as ${outcome.people.join(', ')}, password ${DEMO_PASSWORD}.`)
      return 0
    }
    if (outcome.reason === 'already_seeded') {
      console.log('The demo is there already: nothing to do.')
      return 0
    }
    console.error(`hostly: refused: this database has ${outcome.users} user(s) of its own; the demo goes only into an empty one.`)
    return 1
  } finally {
    await pool.end()
  }
}
