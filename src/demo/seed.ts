import { register, type User } from '../auth/users.ts'
import { acceptBooking, cancelBooking, createBooking } from '../bookings/service.ts'
import { expirePendingBookings } from '../bookings/expiry.ts'
import type { Pool } from '../db/pool.ts'
import { createProperty } from '../properties/service.ts'
import type { PropertyInput } from '../properties/schemas.ts'
import { DEMO_PASSWORD } from './password.ts'

// hostly seed --demo: a few owners, places and travelers, and bookings in every state, made through the same
// functions the API calls (register, createProperty, request/accept/cancel/expire in booking.sql), so every change
// writes its event and the running services turn them into notifications, e-mails and analytics as for real ones.
// Only into a database without real users: demo people all have an address at DEMO_DOMAIN, and seeing one means
// the demo is there already (nothing is done twice).

export const DEMO_DOMAIN = 'demo.hostly.example'
export { DEMO_PASSWORD } from './password.ts'

const PEOPLE = {
  olivia: { name: 'Olivia Martins', role: 'owner' },
  marco: { name: 'Marco Rossi', role: 'owner' },
  tom: { name: 'Tom Becker', role: 'traveler' },
  ana: { name: 'Ana Souza', role: 'traveler' },
  lea: { name: 'Léa Dubois', role: 'traveler' }
} as const
type Person = keyof typeof PEOPLE

export const demoEmail = (who: Person) => `${who}@${DEMO_DOMAIN}`

const place = (over: Partial<PropertyInput> & Pick<PropertyInput, 'name' | 'city' | 'state' | 'country'>): PropertyInput => ({
  description: '', property_type: 'apartment', price_per_night: 100, bedrooms: 1, bathrooms: 1, max_guests: 2, amenities: ['wifi'], ...over
})

const PLACES = {
  alfama: place({ name: 'Alfama rooftop loft', city: 'Lisbon', state: 'Lisboa', country: 'Portugal', price_per_night: 120, max_guests: 3, description: 'A loft under the roofs of Alfama, with a terrace over the river and the castle a short climb away.', amenities: ['wifi', 'kitchen', 'terrace'] }),
  sintra: place({ name: 'Sintra garden cottage', city: 'Sintra', state: 'Lisboa', country: 'Portugal', property_type: 'cottage', price_per_night: 95, bedrooms: 2, max_guests: 4, description: 'A stone cottage in a walled garden, twenty minutes from the palaces.' }),
  ribeira: place({ name: 'Ribeira river house', city: 'Porto', state: 'Porto', country: 'Portugal', property_type: 'house', price_per_night: 150, bedrooms: 3, bathrooms: 2, max_guests: 6, description: 'A tall narrow house on the Douro, port cellars across the bridge.' }),
  malaga: place({ name: 'Málaga beach flat', city: 'Málaga', state: 'Andalucía', country: 'Spain', price_per_night: 80, description: 'Two streets from the beach at La Malagueta; the old town is a walk along the port.' }),
  montreal: place({ name: 'Plateau studio', city: 'Montréal', state: 'Québec', country: 'Canada', property_type: 'studio', price_per_night: 70, max_guests: 2, description: 'A bright studio above a café on the Plateau, by Parc La Fontaine.' })
}
type Place = keyof typeof PLACES

const OWNER_OF: Record<Place, Person> = { alfama: 'olivia', sintra: 'olivia', montreal: 'olivia', ribeira: 'marco', malaga: 'marco' }

const day = (fromToday: number) => new Date(Date.now() + fromToday * 86_400_000).toISOString().slice(0, 10)

export type SeedOutcome = { seeded: true, people: string[] } | { seeded: false, reason: 'already_seeded' } | { seeded: false, reason: 'real_users', users: number }

export async function seedDemo (pool: Pool): Promise<SeedOutcome> {
  const { rows: [u] } = await pool.query(
    'SELECT count(*) FILTER (WHERE email LIKE \'%@\' || $1)::int AS demo, count(*) FILTER (WHERE email NOT LIKE \'%@\' || $1)::int AS real FROM users',
    [DEMO_DOMAIN])
  if (u.real > 0) return { seeded: false, reason: 'real_users', users: u.real }
  if (u.demo > 0) return { seeded: false, reason: 'already_seeded' }

  const people = {} as Record<Person, User>
  for (const [who, p] of Object.entries(PEOPLE) as Array<[Person, typeof PEOPLE[Person]]>) {
    people[who] = await register(pool, { name: p.name, email: demoEmail(who), password: DEMO_PASSWORD, role: p.role })
  }
  const places = {} as Record<Place, number>
  for (const [key, p] of Object.entries(PLACES) as Array<[Place, PropertyInput]>) {
    places[key] = (await createProperty(pool, people[OWNER_OF[key]].id, p)).id
  }
  const request = async (who: Person, where: Place, from: number, nights: number, guests = 2) =>
    (await createBooking(pool, people[who].id, { property_id: places[where], start_date: day(from), end_date: day(from + nights), num_guests: guests })).id
  const ownerOf = (where: Place) => people[OWNER_OF[where]]

  // Expired unanswered: the one pending request at this point, expired at once instead of after BOOKING_PENDING_TTL.
  await request('tom', 'malaga', 60, 2)
  await expirePendingBookings(pool, 0)

  // Accepted, and the overlapping request cancelled by it (dates taken).
  const loft = await request('tom', 'alfama', 14, 4)
  await request('ana', 'alfama', 15, 2)
  await acceptBooking(pool, ownerOf('alfama'), String(loft))
  await acceptBooking(pool, ownerOf('ribeira'), String(await request('ana', 'ribeira', 7, 3, 4)))
  // Declined by the owner; withdrawn by the traveler; accepted, then cancelled by the traveler.
  await cancelBooking(pool, ownerOf('sintra'), String(await request('tom', 'sintra', 40, 2)))
  await cancelBooking(pool, people.lea, String(await request('lea', 'montreal', 50, 3)))
  const beach = await request('ana', 'malaga', 20, 5)
  await acceptBooking(pool, ownerOf('malaga'), String(beach))
  await cancelBooking(pool, people.ana, String(beach))
  // Waiting for an answer.
  await request('lea', 'ribeira', 30, 3, 3)
  await request('lea', 'alfama', 45, 4)
  return { seeded: true, people: Object.keys(PEOPLE).map(who => demoEmail(who as Person)) }
}
