/** Wall-clock arithmetic in IANA zones for the generator: local day + minutes → the UTC instant. */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

const offsets = new Map<string, number>();

/** The zone's offset from UTC at `ms`, in ms (positive east of Greenwich); zones change offset on the hour, so one lookup per hour is kept. */
export function zoneOffsetMs(zone: string, ms: number): number {
  const key = `${zone}@${Math.floor(ms / 3_600_000)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = computeOffset(zone, Math.floor(ms / 3_600_000) * 3_600_000);
    offsets.set(key, offset);
  }
  return offset;
}

function computeOffset(zone: string, ms: number): number {
  const parts = formatter(zone).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'));
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

/** The instant at which the clock in `zone` shows `minutes` after midnight on the UTC-date `day` (days since epoch). */
export function instantAt(zone: string, day: number, minutes: number): number {
  const naive = day * DAY_MS + minutes * 60_000;
  const first = naive - zoneOffsetMs(zone, naive);
  // A second pass settles instants next to a daylight-saving change.
  return naive - zoneOffsetMs(zone, first);
}

/** Day number (days since 1970-01-01) of a calendar date. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday, for a day number. */
export function weekdayOf(day: number): number {
  return (day + 4) % 7;
}

export function isWeekend(day: number): boolean {
  const w = weekdayOf(day);
  return w === 0 || w === 6;
}

/** "2026-03-02" for a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
