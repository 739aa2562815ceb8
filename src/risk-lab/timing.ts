import type { Policy, ResourcePolicy } from '../core/policy/schema.js';
import { clockToMinutes } from '../core/risk/local-time.js';
import type { Rng } from './prng.js';
import type { CivilDate, Zone } from './zoned-time.js';

const MINUTE = 60_000;

/** The calendar the generator draws from: every local day of the period, and which are working days. */
export interface Calendar {
  days: CivilDate[];
  workday: boolean[];
  /** Picks a day: working days are 20 times as likely as the others for routine work. */
  pickDay(rng: Rng, fromIndex?: number, toIndex?: number): number;
  /** A time on a day, at a local minute, with random seconds. */
  at(rng: Rng, dayIndex: number, minuteOfDay: number): number;
}

export function createCalendar(policy: Policy, zone: Zone, first: CivilDate, count: number): Calendar {
  const days = Array.from({ length: count }, (_, i) => zone.addDays(first, i));
  const workday = days.map((d) => policy.businessHours.days.includes(zone.weekday(d)));
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of workday) {
    sum += w ? 1 : 0.05;
    cumulative.push(sum);
  }
  return {
    days,
    workday,
    pickDay(rng, fromIndex = 0, toIndex = count) {
      const lo = fromIndex === 0 ? 0 : cumulative[fromIndex - 1]!;
      const hi = cumulative[toIndex - 1]!;
      const r = lo + rng.next() * (hi - lo);
      let a = fromIndex;
      let b = toIndex - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (cumulative[mid]! <= r) a = mid + 1;
        else b = mid;
      }
      return a;
    },
    at: (rng, dayIndex, minuteOfDay) => zone.instant(days[dayIndex]!, minuteOfDay).getTime() + rng.int(0, 59) * 1000,
  };
}

/** A minute inside business hours, busiest mid-morning and mid-afternoon. */
export function businessMinute(rng: Rng, policy: Policy): number {
  const start = clockToMinutes(policy.businessHours.start);
  const end = clockToMinutes(policy.businessHours.end);
  const centre = rng.chance(0.5) ? 0.28 : 0.68;
  const m = start + (centre + 0.13 * rng.normal()) * (end - start);
  return Math.round(Math.max(start, Math.min(end - 1, m)));
}

/** Routine work on a working day: mostly in hours, some late evenings and early starts. */
export function routineMinute(rng: Rng, policy: Policy): number {
  const start = clockToMinutes(policy.businessHours.start);
  const end = clockToMinutes(policy.businessHours.end);
  const r = rng.next();
  if (r < 0.9) return businessMinute(rng, policy);
  if (r < 0.97) return Math.min(1439, end + Math.floor(rng.next() ** 1.5 * 240));
  return Math.max(0, start - 1 - Math.floor(rng.next() * 120));
}

/** A night-time minute (between the end of business hours and early morning). */
export function nightMinute(rng: Rng, policy: Policy): number {
  const end = clockToMinutes(policy.businessHours.end);
  const from = end + 60;
  const span = 24 * 60 - from + 5 * 60;
  return (from + Math.floor(rng.next() * span)) % (24 * 60);
}

/** Daytime hours on a weekend. */
export function weekendMinute(rng: Rng): number {
  return rng.int(9 * 60, 21 * 60);
}

/** Most people take the default window; some ask for more, up to the maximum. */
export function durationFor(rng: Rng, resource: ResourcePolicy, longer: boolean): number {
  const raw = longer
    ? rng.between(0.55, 1) * resource.maxDuration
    : resource.defaultDuration * rng.weighted([0.5, 1, 1.5], [0.3, 0.6, 0.1]);
  const minutes = Math.max(1, Math.round(raw / MINUTE)) * MINUTE;
  return Math.max(resource.minDuration, Math.min(resource.maxDuration, minutes));
}
