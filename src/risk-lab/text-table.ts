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

/** A wait as "4m", "1h05m" or "—". */
export function minutes(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const total = Math.round(ms / 60_000);
  if (total < 60) return `${total}m`;
  return `${Math.floor(total / 60)}h${String(total % 60).padStart(2, '0')}m`;
}
