import { isCalendarDate } from '../core/policy/field-schemas.js';
import type { Weekday } from '../core/policy/schema.js';

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Wall-clock arithmetic in one IANA time zone (the policy's), with one cached formatter. */
export interface Zone {
  /** The instant of a local date and minute of the day (DST gaps resolve forward). */
  instant(date: CivilDate, minuteOfDay: number): Date;
  /** The local calendar date of an instant. */
  dateOf(at: Date): CivilDate;
  weekday(date: CivilDate): Weekday;
  /** Local weekday and minute of the day of an instant. */
  local(at: Date): { weekday: Weekday; minutes: number };
  /** The local date `days` after `date`. */
  addDays(date: CivilDate, days: number): CivilDate;
}

export function createZone(timeZone: string): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const wallClockMs = (at: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  };
  return {
    instant(date, minuteOfDay) {
      const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000;
      // Two passes find the offset in force at that wall-clock time, across DST changes.
      let guess = wall - (wallClockMs(wall) - wall);
      guess = wall - (wallClockMs(guess) - guess);
      return new Date(guess);
    },
    dateOf(at) {
      const wall = new Date(wallClockMs(at.getTime()));
      return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
    },
    weekday: (date) => WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!,
    local(at) {
      const wall = new Date(wallClockMs(at.getTime()));
      return { weekday: WEEKDAYS[wall.getUTCDay()]!, minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
    },
    addDays(date, days) {
      const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    },
  };
}

export function parseCivilDate(text: string): CivilDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m || !isCalendarDate(text)) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function formatCivilDate(date: CivilDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** Formats instants as local calendar days (an exclusive end shows as the day before it). */
export function localDays(timeZone: string): { day(at: Date): string; lastDay(end: Date): string } {
  const zone = createZone(timeZone);
  const day = (at: Date) => formatCivilDate(zone.dateOf(at));
  return { day, lastDay: (end) => day(new Date(end.getTime() - 1)) };
}
