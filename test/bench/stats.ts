/** Percentile of a sorted-in-place sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface BenchRow {
  benchmark: string;
  /** The target for this row, when it has one. */
  goal?: string;
  result: string;
  /** The same measurement on the reference (a bare node process, a bare Bolt app), taken in the same run. */
  reference?: string;
  detail: string;
}

export function printTable(rows: BenchRow[]): void {
  const cells = (r: BenchRow) => [r.benchmark, r.goal ?? '', r.result, r.reference ?? '', r.detail];
  const header = ['benchmark', 'goal', 'result', 'reference (same run)', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cells(r)[i]!.length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(cells(row)));
}
