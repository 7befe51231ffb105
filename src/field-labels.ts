// The words a person reads for each field of the API, in one table: every 400's message is written with them
// (hand-made in the services and from schema validation), while `field` keeps the wire name. A field missing
// here would leak its snake_case name: test/openapi.test.ts checks every field of the OpenAPI document has one.

export const FIELD_LABELS: Record<string, string> = {
  // The request itself (a body that is not an object, a body where none is taken, a path id)
  body: 'the request body',
  id: 'the id in the address',
  // Accounts and sign-in
  name: 'the name',
  email: 'the e-mail address',
  password: 'the password',
  current_password: 'the current password',
  new_password: 'the new password',
  new_email: 'the new e-mail address',
  role: 'the role',
  locale: 'the language and region',
  time_zone: 'the time zone',
  about: 'the words about you',
  languages: 'the languages you speak',
  // Properties
  description: 'the description',
  city: 'the city',
  state: 'the state or region',
  country: 'the country',
  property_type: 'the type of place',
  price_per_night: 'the price per night',
  currency: 'the currency',
  bedrooms: 'the number of bedrooms',
  bathrooms: 'the number of bathrooms',
  max_guests: 'the largest number of guests',
  amenities: 'the list of amenities',
  cleaning_fee: 'the cleaning fee',
  tax_rate: 'the tax rate',
  house_rules: 'the house rules',
  check_in_time: 'the check-in time',
  check_out_time: 'the check-out time',
  min_nights: 'the minimum number of nights',
  listed: 'the listed setting',
  // Search
  location: 'the search text',
  guests: 'the number of guests',
  min_price: 'the lowest price',
  max_price: 'the highest price',
  type: 'the type of place',
  sort: 'the sort order',
  // Photos
  photo_id: 'the photo',
  photo_ids: 'the order of the photos',
  key: 'the file name',
  // Bookings
  property_id: 'the place to book',
  start_date: 'the check-in date',
  end_date: 'the check-out date',
  num_guests: 'the number of guests',
  status: 'the status',
  // Conversations
  text: 'the message',
  message: 'the message',
  booking_id: 'the booking',
  unread: 'the unread filter',
  // Reviews
  rating: 'the rating',
  comment: 'the review',
  reply: 'the reply',
  // The calendar and blocked dates
  month: 'the first month',
  months: 'the number of months',
  note: 'the note',
  block_id: 'the block in the address',
  // Lists, analytics, notifications, live updates, unsubscribe
  limit: 'the number of results per page',
  offset: 'the number of results to skip',
  cursor: 'the page to continue from',
  from: 'the first day',
  to: 'the last day',
  email_notifications: 'the e-mail setting',
  after: 'the last update seen',
  token: 'the link'
}

/** Labels of a list's items, by the list's wire name: `amenities.2` is "amenity 3". */
const ITEM_LABELS: Record<string, string> = { amenities: 'amenity' }

/**
 * The words for a field (its wire name or path, as `details[].field` gives it), lower case, to go mid-sentence:
 * "the check-out date". A field the table lacks becomes "this field", never its wire name.
 */
export function fieldLabel (field: string): string {
  const known = FIELD_LABELS[field]
  if (known) return known
  const item = /^(\w+)\.(\d+)$/.exec(field)
  if (item && ITEM_LABELS[item[1]]) return `${ITEM_LABELS[item[1]]} ${Number(item[2]) + 1}`
  return 'this field'
}

/** The label starting a sentence: "The check-out date". */
export const FieldLabel = (field: string) => capitalize(fieldLabel(field))

export const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
