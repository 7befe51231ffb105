import { Type, type Static } from 'typebox'
import { CalendarDate, Timestamp } from '../http/schemas.ts'
import { DisplayName } from '../http/text.ts'

/** Required text: not empty, not only blanks. */
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description: 'must not be blank' })

/**
 * A price as the column numeric(10, 2) stores it, and the CHECK (> 0) accepts: 0.01 to 1,000,000 (so a
 * booking's total, at most 365 nights of it, fits numeric(12, 2)), with at most two decimals.
 */
const Money = Type.Number({
  minimum: 0.01, maximum: 1_000_000, 'x-decimals': 2, description: 'at least 0.01, at most 1000000, at most two decimals'
})

/** ISO 4217, the currency of the prices (and so of the bookings' totals); the service checks it is a real one. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'must be a currency code such as EUR or USD' })

export const PropertyInput = Type.Object({
  name: DisplayName(200),
  description: Type.String({ maxLength: 5000 }),
  city: Text(100),
  state: Text(100),
  country: Text(100),
  property_type: Text(50),
  price_per_night: Money,
  bedrooms: Type.Integer({ minimum: 0, maximum: 100 }),
  bathrooms: Type.Integer({ minimum: 0, maximum: 100 }),
  max_guests: Type.Integer({ minimum: 1, maximum: 100 }),
  amenities: Type.Array(Text(100), { maxItems: 50 }),
  currency: Type.Optional(Currency)
}, { additionalProperties: false })
export type PropertyInput = Static<typeof PropertyInput>

export const Property = Type.Object({
  id: Type.Integer(),
  owner_id: Type.Integer(),
  ...PropertyInput.properties,
  currency: Currency,
  created_at: Timestamp,
  updated_at: Timestamp,
  favorite: Type.Optional(Type.Boolean({ description: 'whether the signed-in reader saved it to their favorites; absent when signed out' }))
})

export const SearchQuery = Type.Object({
  location: Type.Optional(Type.String({
    maxLength: 100,
    description: 'what the traveler typed: words of the title, description, city, state or country ("Lisbon, Portugal", "alfama"), any letter case, accents optional, a misspelt word matched by its nearest known ones'
  })),
  start_date: Type.Optional(CalendarDate),
  end_date: Type.Optional(CalendarDate),
  guests: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  min_price: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'lowest price per night' })),
  max_price: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'highest price per night' })),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'property_type, in any letter case' })),
  // `rating` joins these when properties have ratings (a later issue); relevance without words is newest.
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('price_asc'), Type.Literal('price_desc'), Type.Literal('newest')], {
    default: 'relevance', description: 'relevance (best match first; newest first without words), price_asc, price_desc or newest'
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }))
}, { additionalProperties: false })
export type SearchQuery = Static<typeof SearchQuery>
