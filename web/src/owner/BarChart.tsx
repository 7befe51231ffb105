import { useEffect, useRef, useState } from 'react'

// Bar charts in plain SVG (no chart library: a few dozen lines cover what the analytics page needs). Drawn at the
// box's own width in CSS pixels (a ResizeObserver), so text stays 12–13 px from a phone to a desktop instead of
// scaling with the box. Bars are drawn by attributes, not inline styles, so the CSP needs no 'unsafe-inline';
// colours come from styles.css. Every chart has axes with ticks in its unit; the figures are also in a table
// after the charts, which is what a screen reader reads.

export interface Bar { label: string, value: number | null }

interface Props {
  title: string
  bars: Bar[]
  /** A value as the axis and the bar's label write it, in its unit ("€120", "45 %", "3 min"). */
  format (n: number): string
  /** What the value axis measures, in words with its unit ("nights", "revenue, €"). */
  unit: string
  /** The top of the value axis at least (1 for a share). */
  max?: number
  /** What a missing value means ("no answer yet"). */
  none?: string
  /** Counts: the axis shows whole numbers only. */
  whole?: boolean
}

/** The box's width in CSS pixels, followed as it changes. */
function useWidth () {
  const ref = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)))
    observer.observe(el)
    return () => observer.disconnect()
  }, [])
  return { ref, width }
}

/** A round top for an axis (1, 2, 2.5, 5 × 10^k) at or above the largest value. */
export function niceTop (n: number): number {
  if (!(n > 0)) return 1
  const step = 10 ** Math.floor(Math.log10(n))
  return [1, 2, 2.5, 5, 10].map(m => m * step).find(t => t >= n - 1e-9) ?? 10 * step
}

/** Text cut to about `chars` characters on a word boundary when it can, with an ellipsis. */
const cut = (s: string, chars: number) => s.length <= chars ? s : (s.slice(0, chars - 1).replace(/\s+\S*$/, '') || s.slice(0, chars - 1)) + '…'

/** A name on at most two lines of `chars` characters: broken between words, the rest cut with an ellipsis. */
export function lines (s: string, chars: number): string[] {
  if (s.length <= chars) return [s]
  const first = cut(s, chars + 1).replace(/…$/, '')
  const rest = s.slice(first.length).trim()
  return rest ? [first.trim(), cut(rest, chars)] : [cut(s, chars)]
}

/** The ticks of a value axis: 0, half and the top; only whole ones for counts. */
const ticksOf = (top: number, whole?: boolean) => [0, top / 2, top].filter(t => !whole || Number.isInteger(t))

const CHAR = 7 // px a character of 13 px text takes, about

/** Horizontal bars, one row per item (long property names read well on a phone), a value axis below. */
export function BarChart ({ title, bars, format, unit, max, none = 'none', whole }: Props) {
  const { ref, width } = useWidth()
  const W = Math.max(width, 240)
  const top = Math.max(whole ? 2 : 0, niceTop(Math.max(max ?? 0, ...bars.map(b => b.value ?? 0))))
  const label = Math.min(170, Math.round(W * 0.36)) // the names' column
  const names = bars.map(b => lines(b.label, Math.floor((label - 12) / CHAR)))
  const valueRoom = Math.max(...[top, ...bars.map(b => b.value ?? 0)].map(v => format(v).length), none.length) * CHAR + 12
  const plot = Math.max(40, W - label - valueRoom)
  const ROW = names.some(n => n.length > 1) ? 40 : 30
  const h = bars.length * ROW
  const ticks = ticksOf(top, whole)
  return (
    <figure className='chart'>
      <figcaption>{title}</figcaption>
      <div ref={ref} className='chart-box'>
        {width > 0 && (
          <svg width={W} height={h + 46} viewBox={`0 0 ${W} ${h + 46}`} role='img' aria-label={`${title}, ${unit}`}>
            {ticks.map(t => {
              const x = label + (t / top) * plot
              return (
                <g key={t}>
                  <line x1={x} x2={x} y1={0} y2={h} className='chart-grid' />
                  <text x={x} y={h + 16} textAnchor={t === 0 ? 'start' : t === top ? 'end' : 'middle'} className='chart-tick'>{format(t)}</text>
                </g>
              )
            })}
            <line x1={label} x2={label} y1={0} y2={h} className='chart-axis' />
            <line x1={label} x2={label + plot} y1={h} y2={h} className='chart-axis' />
            <text x={label + plot / 2} y={h + 38} textAnchor='middle' className='chart-unit'>{unit}</text>
            {bars.map((b, i) => {
              const w = b.value === null ? 0 : Math.max(0, (b.value / top) * plot)
              const y = i * ROW
              const mid = y + ROW / 2 + 4
              return (
                <g key={b.label + i}>
                  <text x={label - 8} y={mid - (names[i].length - 1) * 7} textAnchor='end' className='chart-label'>
                    <title>{b.label}</title>
                    {names[i].map((line, n) => <tspan key={n} x={label - 8} dy={n === 0 ? 0 : 15}>{line}</tspan>)}
                  </text>
                  {w > 0 && <rect x={label} y={y + 6} width={w} height={ROW - 12} rx='3' className='chart-bar' />}
                  <text x={label + w + 6} y={mid} className={b.value === null ? 'chart-none' : 'chart-value'}>
                    {b.value === null ? none : format(b.value)}
                  </text>
                </g>
              )
            })}
          </svg>
        )}
      </div>
    </figure>
  )
}

/** Vertical bars over days: a value axis on the left, dates below (first, middle and last). */
export function DayChart ({ title, bars, format, unit, whole }: Props) {
  const { ref, width } = useWidth()
  const W = Math.max(width, 240)
  const H = 150
  const top = Math.max(whole ? 2 : 0, niceTop(Math.max(...bars.map(b => b.value ?? 0))))
  const ticks = ticksOf(top, whole)
  const left = Math.max(...ticks.map(t => format(t).length)) * CHAR + 10
  const plot = W - left - 8
  const step = plot / Math.max(1, bars.length)
  const marks = [...new Set([0, Math.floor((bars.length - 1) / 2), bars.length - 1])].filter(i => i >= 0)
  return (
    <figure className='chart'>
      <figcaption>{title}</figcaption>
      <div ref={ref} className='chart-box'>
        {width > 0 && (
          <svg width={W} height={H + 48} viewBox={`0 0 ${W} ${H + 48}`} role='img' aria-label={`${title}, ${unit}: highest ${format(Math.max(0, ...bars.map(b => b.value ?? 0)))}`}>
            {ticks.map(t => {
              const y = H - (t / top) * (H - 8)
              return (
                <g key={t}>
                  <line x1={left} x2={W - 8} y1={y} y2={y} className={t === 0 ? 'chart-axis' : 'chart-grid'} />
                  <text x={left - 6} y={y + 4} textAnchor='end' className='chart-tick'>{format(t)}</text>
                </g>
              )
            })}
            <line x1={left} x2={left} y1={0} y2={H} className='chart-axis' />
            {bars.map((b, i) => {
              const h = ((b.value ?? 0) / top) * (H - 8)
              return h > 0 && <rect key={b.label + i} x={left + i * step + step * 0.15} y={H - h} width={Math.max(1, step * 0.7)} height={h} className='chart-bar'><title>{`${b.label}: ${format(b.value ?? 0)}`}</title></rect>
            })}
            {marks.map((i, n) => (
              <text key={i} x={left + i * step + step / 2} y={H + 18} textAnchor={n === 0 ? 'start' : i === bars.length - 1 ? 'end' : 'middle'} className='chart-tick'>{bars[i].label}</text>
            ))}
            <text x={left + plot / 2} y={H + 40} textAnchor='middle' className='chart-unit'>{unit}</text>
          </svg>
        )}
      </div>
    </figure>
  )
}
