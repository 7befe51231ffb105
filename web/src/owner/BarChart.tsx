// A bar chart in plain SVG (no chart library: a few dozen lines cover what the analytics page needs). Bars are
// drawn by attributes, not inline styles, so the CSP needs no 'unsafe-inline'; colours come from styles.css.
// The figures are also in a table right after it, which is what a screen reader reads.

export interface Bar { label: string, value: number }

interface Props { title: string, bars: Bar[], format (n: number): string, max?: number }

// A narrow drawing, scaled to its box: its 13 px text stays readable from a phone (about 0.8×) to a desktop.
const W = 400
const ROW = 28
const LABEL = 124

/** Horizontal bars, one row per item: readable on a phone even with long property names. */
export function BarChart ({ title, bars, format, max }: Props) {
  const top = Math.max(max ?? 0, ...bars.map(b => b.value), 0) || 1
  const h = bars.length * ROW + 8
  return (
    <figure className='chart'>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${h}`} role='img' aria-label={title} preserveAspectRatio='xMinYMin meet'>
        {bars.map((b, i) => {
          const w = Math.max(0, (b.value / top) * (W - LABEL - 70))
          const y = i * ROW + 4
          return (
            <g key={b.label + i}>
              <text x={LABEL - 8} y={y + 17} textAnchor='end' className='chart-label'>{b.label.length > 17 ? b.label.slice(0, 16) + '…' : b.label}</text>
              <rect x={LABEL} y={y + 3} width={w} height={ROW - 10} rx='3' className='chart-bar' />
              <text x={LABEL + w + 6} y={y + 17} className='chart-value'>{format(b.value)}</text>
            </g>
          )
        })}
      </svg>
    </figure>
  )
}

/** Vertical bars over days (revenue, requests): one column per day, labels on the first and last. */
export function DayChart ({ title, bars, format }: Props) {
  const H = 120
  const top = Math.max(...bars.map(b => b.value), 0) || 1
  const step = (W - 20) / Math.max(1, bars.length)
  return (
    <figure className='chart'>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 24}`} role='img' aria-label={`${title}: highest ${format(top)}`} preserveAspectRatio='xMinYMin meet'>
        <line x1='10' x2={W - 10} y1={H} y2={H} className='chart-axis' />
        {bars.map((b, i) => {
          const h = (b.value / top) * (H - 10)
          return <rect key={b.label + i} x={10 + i * step + step * 0.15} y={H - h} width={step * 0.7} height={h} className='chart-bar'><title>{`${b.label}: ${format(b.value)}`}</title></rect>
        })}
        {bars.length > 0 && <text x='10' y={H + 18} className='chart-label'>{bars[0].label}</text>}
        {bars.length > 1 && <text x={W - 10} y={H + 18} textAnchor='end' className='chart-label'>{bars[bars.length - 1].label}</text>}
      </svg>
    </figure>
  )
}
