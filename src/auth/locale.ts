import { Type } from 'typebox'
import { badRequest } from '../errors.ts'

// How a person reads dates and amounts: a BCP 47 locale and an IANA time zone, stored with the account and used
// for the e-mails and inbox texts written to them. The schemas bound the text; these
// functions decide whether it names something real, and write it the one canonical way.

export const DEFAULT_LOCALE = 'en'
export const DEFAULT_TIME_ZONE = 'UTC'

export const LocaleField = Type.String({ minLength: 2, maxLength: 35, description: 'a language tag such as en, pt-PT or fr-CA (BCP 47)' })
export const TimeZoneField = Type.String({ minLength: 1, maxLength: 64, description: 'an IANA time zone such as Europe/Lisbon, America/New_York or UTC' })

/** The locale written canonically (pt-pt → pt-PT), or a 400 naming the field when it is no language we can write. */
export function canonicalLocale (raw: string, field = 'locale'): string {
  let tag: string | undefined
  try {
    tag = Intl.getCanonicalLocales(raw)[0]
  } catch {}
  // Well-formed is not enough: "xx-YY" is well-formed and names no language Intl can write dates in.
  if (!tag || Intl.DateTimeFormat.supportedLocalesOf(tag).length === 0) {
    throw badRequest({ sentence: `“${raw}” is not a language we can write dates in; use a tag such as en, pt-PT or fr-CA.` }, field)
  }
  return tag
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/

/** The IANA time zone, canonical (its own name as Intl resolves it), or a 400 naming the field. */
export function canonicalTimeZone (raw: string, field = 'time_zone'): string {
  let zone: string | undefined
  // Names only: Intl also takes offsets such as +01:00, which follow no daylight saving time and so no place.
  if (ZONE_NAME.test(raw)) {
    try {
      zone = new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone
    } catch {}
  }
  if (!zone) throw badRequest({ sentence: `This time zone does not exist: “${raw}”; use a name such as Europe/Lisbon, America/New_York or UTC.` }, field)
  return zone
}
