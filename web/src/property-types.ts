/** The kinds of place the listing form offers, and search filters on ([value, label]). */
export const PROPERTY_TYPES: Array<[string, string]> = [['apartment', 'Apartment'], ['house', 'House'], ['cabin', 'Cabin'], ['room', 'Room'], ['villa', 'Villa'], ['other', 'Other']]
