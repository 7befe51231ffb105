import { Type, type Static } from 'typebox'
import { CalendarDate, Timestamp } from '../http/schemas.ts'
import { DisplayName } from '../http/text.ts'
import { Photo } from '../photos/schemas.ts'

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

/** A time of day on the 24-hour clock, the property's local time: '15:00'. */
const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'a time of day such as 15:00 (24-hour clock)' })

/** What a guest reads before booking; each has a default when a listing is created without it. */
const Details = {
  cleaning_fee: Type.Optional(Type.Number({
    minimum: 0, maximum: 1_000_000, 'x-decimals': 2, description: 'charged once per stay, in the currency; 0 (the default) to at most 1000000, at most two decimals'
  })),
  tax_rate: Type.Optional(Type.Number({
    minimum: 0, maximum: 100, 'x-decimals': 2, description: 'a percentage of the nights and the cleaning fee, 0 (the default) to 100, at most two decimals'
  })),
  house_rules: Type.Optional(Type.String({ maxLength: 5000, description: 'free text; empty when there are none' })),
  check_in_time: Type.Optional(ClockTime),
  check_out_time: Type.Optional(ClockTime),
  min_nights: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'the fewest nights a stay may have (1 to 365)' }))
}

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
  currency: Type.Optional(Currency),
  ...Details
}, { additionalProperties: false })
export type PropertyInput = Static<typeof PropertyInput>

/**
 * PATCH /api/properties/:id: any of the fields of PropertyInput, and `listed`; at least one, none unknown (a typo
 * is a 400, not a silent no-op).
 */
export const PropertyPatch = Type.Object({
  ...Type.Partial(PropertyInput).properties,
  listed: Type.Optional(Type.Boolean({ description: 'false unlists the property (out of search, no new requests); true lists it again' }))
}, { additionalProperties: false, minProperties: 1 })
export type PropertyPatch = Static<typeof PropertyPatch>

export const Property = Type.Object({
  id: Type.Integer(),
  owner_id: Type.Integer(),
  ...PropertyInput.properties,
  currency: Currency,
  cleaning_fee: Type.Number(),
  tax_rate: Type.Number(),
  house_rules: Type.String(),
  check_in_time: ClockTime,
  check_out_time: ClockTime,
  min_nights: Type.Integer(),
  listed: Type.Boolean({ description: 'false: unlisted by its owner, out of search and taking no new requests' }),
  photos: Type.Array(Photo, { description: 'in the order the owner chose; the one with cover: true is shown in search results' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  favorite: Type.Optional(Type.Boolean({ description: 'whether the signed-in reader saved it to their favorites; absent when signed out' })),
  rating: Type.Optional(Type.Object({
    average: Type.Union([Type.Number(), Type.Null()], { description: "the guests' average rating, to one decimal; null before the first review" }),
    count: Type.Integer({ description: "the guests' published reviews" })
  }, { description: 'in search results and on the place itself (GET /api/properties/{id}); its reviews: GET /api/properties/{id}/reviews' }))
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
  // Relevance without words is newest.
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('price_asc'), Type.Literal('price_desc'), Type.Literal('newest'), Type.Literal('rating')], {
    default: 'relevance', description: "relevance (best match first; newest first without words), price_asc, price_desc, newest or rating (the guests' average rating, highest first, then the most reviewed; places without reviews last)"
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }))
}, { additionalProperties: false })
export type SearchQuery = Static<typeof SearchQuery>

/** An exact amount: a decimal string such as "1234.50", never a JSON number (floating point in most readers). */
export const Amount = Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'an exact decimal amount, as a string: "1234.50"' })

/** A stay's price, item by item, as stay_price() in booking.sql computes it; amounts in the property's currency. */
export const Price = Type.Object({
  nights: Type.Integer(),
  nightly_price: Amount,
  nights_total: Type.Unsafe<string>({ ...Amount, description: 'nights × nightly_price' }),
  cleaning_fee: Amount,
  tax_rate: Type.Unsafe<string>({ ...Amount, description: 'a percentage: "7.50" is 7.5 %' }),
  taxes: Type.Unsafe<string>({ ...Amount, description: "tax_rate % of nights_total + cleaning_fee, rounded half-up to the currency's minor unit" }),
  total: Type.Unsafe<string>({ ...Amount, description: 'nights_total + cleaning_fee + taxes' })
})

// Both are needed; the query's fields are all optional in the document, as every query's are, and the service says
// which one is missing in words.
export const QuoteQuery = Type.Object({ start_date: Type.Optional(CalendarDate), end_date: Type.Optional(CalendarDate) }, { additionalProperties: false })
