// The people and places of a bench database, made straight in SQL (no argon2: nobody signs in during a
// bench; each user gets a session as sign-in opens one: a random token, its hash stored), and the stays they book, which never overlap.
import { randomBytes } from 'node:crypto'
import { hashToken, SESSION_COOKIE } from '../../src/auth/sessions.ts'
import { createPool } from '../../src/db/pool.ts'
import { createProperty } from '../../src/properties/service.ts'

export interface User { id: number, cookie: string }
export interface Fixtures {
  travelers: User[]
  owners: User[]
  /** Property ids; property i belongs to owner i % owners.length. */
  properties: number[]
}

const PROPERTY = {
  name: 'Bench Loft',
  description: 'A flat for measuring',
  city: 'Lisbon',
  state: 'Lisboa',
  country: 'Portugal',
  property_type: 'apartment',
  price_per_night: 120.5,
  bedrooms: 2,
  bathrooms: 1,
  max_guests: 4,
  amenities: ['wifi']
}

export async function makeFixtures (databaseUrl: string, counts: { travelers: number, owners: number, properties: number }): Promise<Fixtures> {
  const pool = createPool(databaseUrl, 4)
  try {
    const users = async (role: 'traveler' | 'owner', n: number): Promise<User[]> => {
      const { rows } = await pool.query(
        `INSERT INTO users (name, email, password_hash, role)
         SELECT $1 || ' ' || i, $1 || '-' || i || '@bench.example', '!', $1 FROM generate_series(1, $2) AS i RETURNING id`,
        [role, n])
      // One statement for all their sessions, made as sign-in makes one (a random token, its sha256 stored): 5,000
      // separate inserts queued on a pool of 4 outlasted its 5 s connection timeout on a loaded machine.
      const tokens = rows.map(() => randomBytes(32).toString('base64url'))
      await pool.query(
        'INSERT INTO sessions (token_hash, user_id, expires_at) SELECT unnest($1::bytea[]), unnest($2::bigint[]), now() + interval \'24 hours\'',
        [tokens.map(hashToken), rows.map(r => r.id)])
      return rows.map(({ id }, i) => ({ id, cookie: `${SESSION_COOKIE}=${tokens[i]}` }))
    }
    const travelers = await users('traveler', counts.travelers)
    const owners = await users('owner', counts.owners)
    const properties: number[] = []
    for (let i = 0; i < counts.properties; i++) {
      properties.push((await createProperty(pool, owners[i % owners.length].id, { ...PROPERTY, name: `Bench Loft ${i}` })).id)
    }
    return { travelers, owners, properties }
  } finally {
    await pool.end()
  }
}

const DAY_MS = 86_400_000

/**
 * Hands out booking requests that never conflict: request i is for property i % P, one night, in the
 * i / P-th two-day slot from tomorrow, so two stays of one property never overlap (accepting one cancels
 * nothing), by traveler i % T.
 */
export class Stays {
  private next = 0
  private readonly fixtures: Fixtures
  private readonly tomorrow = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + DAY_MS

  constructor (fixtures: Fixtures) {
    this.fixtures = fixtures
  }

  /** The next request: the traveler's cookie and the JSON body of POST /api/bookings. */
  take (): { cookie: string, body: string } {
    const i = this.next++
    const { properties, travelers } = this.fixtures
    const slot = Math.floor(i / properties.length)
    const day = (n: number) => new Date(this.tomorrow + n * DAY_MS).toISOString().slice(0, 10)
    return {
      cookie: travelers[i % travelers.length].cookie,
      body: JSON.stringify({
        property_id: properties[i % properties.length], start_date: day(2 * slot), end_date: day(2 * slot + 1), num_guests: 2
      })
    }
  }
}
