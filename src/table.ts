/** Rows as a plain-text table with a header line, each column as wide as its widest cell. */
export function table (headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(headers), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/**
 * Writes rows as a table as they come: the column widths are those of the first `sample` rows (later rows
 * that are wider push their line out rather than wait for the end). The last column is never padded or cut,
 * so put the long free text (an error message) there.
 */
export async function writeTable (headers: string[], rows: AsyncIterable<string[]>, write: (line: string) => void, sample = 200): Promise<number> {
  let buffered: string[][] | undefined = []
  let widths: number[] = []
  let count = 0
  const line = (cells: string[]) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd()
  const start = () => {
    widths = headers.map((h, i) => Math.max(h.length, ...buffered!.map(r => r[i].length)))
    write(line(headers))
    write(line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? headers[i].length : w))))
    for (const r of buffered!) write(line(r))
    buffered = undefined
  }
  for await (const row of rows) {
    count++
    if (!buffered) write(line(row))
    else if (buffered.push(row) >= sample) start()
  }
  if (buffered && count > 0) start()
  return count
}
