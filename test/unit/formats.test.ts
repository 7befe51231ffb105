import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatsFor } from '../../src/notifications/messages.ts'

// A reader's formats (src/notifications/messages.ts) are made once per locale and time zone and kept: every
// notification and e-mail asks for them, and making Intl formats costs far more than using them.

test('one reader asking twice gets the formats made the first time; another zone or locale gets its own', () => {
  const ny = formatsFor({ locale: 'en-US', time_zone: 'America/New_York' })
  assert.equal(formatsFor({ locale: 'en-US', time_zone: 'America/New_York' }), ny)
  assert.notEqual(formatsFor({ locale: 'en-US', time_zone: 'Europe/Paris' }), ny)
  assert.notEqual(formatsFor({ locale: 'fr-FR', time_zone: 'America/New_York' }), ny)
})

test('kept formats write what fresh ones would: days, instants with the zone named, amounts in each currency', () => {
  const fr = formatsFor({ locale: 'fr-FR', time_zone: 'Europe/Paris' })
  assert.equal(fr.day('2026-12-06'), '6 déc. 2026')
  assert.match(fr.instant('2026-12-06T18:30:00Z'), /^6 déc\. 2026.*19:30 \(heure .*Europe centrale\)$/)
  // One locale, two currencies: each amount in its own (the locale's formats are shared, the currency's are not).
  assert.equal(fr.money('1234.50', 'EUR'), '1\u202f234,50\u00a0€')
  assert.equal(fr.money('1234', 'JPY'), '1\u202f234\u00a0JPY')
  assert.equal(fr.money('10', 'EUR'), '10,00\u00a0€')
  const pt = formatsFor({ locale: 'pt-PT', time_zone: 'UTC' })
  assert.equal(pt.day('2026-12-06'), '6 de dezembro de 2026', "pt-PT's medium style is all digits: the long one")
  assert.match(pt.instant('2026-12-06T18:30:00Z'), /\(Hora Coordenada Universal\)$/, 'UTC has no generic name: its standard one')
})

test('an unknown locale falls back to English; an unknown zone is refused, not kept', () => {
  assert.equal(formatsFor({ locale: 'xx-invalid-locale-tag-', time_zone: 'UTC' }).day('2026-12-06'), 'Dec 6, 2026')
  assert.throws(() => formatsFor({ locale: 'en', time_zone: 'Mars/Olympus' }), RangeError)
  assert.throws(() => formatsFor({ locale: 'en', time_zone: 'Mars/Olympus' }), RangeError, 'tried again, not served from memory')
})
