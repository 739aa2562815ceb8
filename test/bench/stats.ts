/** Percentile of a sorted-in-place sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface BenchRow {
  benchmark: string;
  result: string;
  detail: string;
}

export function printTable(rows: BenchRow[]): void {
  const widths = [
    Math.max(9, ...rows.map((r) => r.benchmark.length)),
    Math.max(6, ...rows.map((r) => r.result.length)),
    Math.max(6, ...rows.map((r) => r.detail.length)),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(['benchmark', 'result', 'detail']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line([row.benchmark, row.result, row.detail]));
}
