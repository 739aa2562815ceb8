/** Renders rows as an aligned plain-text table: text columns left-aligned, numeric-looking ones right-aligned. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+(%|x|s|m|h)?$|^[—–-]$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function percent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Whole up to the rounding error of a sum of fractions. */
export function isWhole(n: number): boolean {
  return Math.abs(n - Math.round(n)) < 1e-9;
}

/**
 * An expected count: whole when it is whole, else with one decimal (two when one would read as whole),
 * so that "(35.7/37)" agrees with the 96.4% beside it. Requests tied at a review-share boundary are each
 * reviewed with the same probability, which makes the counts of a routing expected values.
 */
export function expectedCount(n: number): string {
  if (isWhole(n)) return Math.round(n).toLocaleString('en-US');
  const one = n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return one.endsWith('.0') ? n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : one;
}

/** A wait as "4m", "1h05m" or "—". */
export function minutes(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const total = Math.round(ms / 60_000);
  if (total < 60) return `${total}m`;
  return `${Math.floor(total / 60)}h${String(total % 60).padStart(2, '0')}m`;
}
