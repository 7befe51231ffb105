import type { Price } from '../api/types.ts'
import { formatMoney, plural } from '../format.ts'

/** A stay's price, item by item, from the API's exact decimal strings (Intl formats them as they are). */
export function PriceLines ({ price, currency, label }: { price: Price, currency: string, label: string }) {
  const money = (amount: string) => formatMoney(amount as `${number}`, currency)
  return (
    <dl className='price-lines' aria-label={label}>
      <div><dt>{plural(price.nights, 'night')} × {money(price.nightly_price)}</dt><dd>{money(price.nights_total)}</dd></div>
      {price.cleaning_fee !== '0.00' && <div><dt>Cleaning fee</dt><dd>{money(price.cleaning_fee)}</dd></div>}
      {price.taxes !== '0.00' && <div><dt>Taxes ({Number(price.tax_rate)} %)</dt><dd>{money(price.taxes)}</dd></div>}
      <div className='price-total'><dt>Total</dt><dd>{money(price.total)}</dd></div>
    </dl>
  )
}
