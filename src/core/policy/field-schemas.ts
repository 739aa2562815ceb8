import { z } from 'zod';
import { parseDuration } from '../duration.js';

/** A duration written as text (`30m`, `1h30m`), parsed to milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/i, { message: 'is not a duration (use e.g. 90s, 30m, 1h30m, 2h, 1d)' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 90s, 30m, 1h30m, 2h, 1d)` });
      return z.NEVER;
    }
    return ms;
  });

/** An e-mail address, compared in lower case everywhere. */
export const emailSchema = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+$/, { message: 'must be an email address' })
  .transform((s) => s.toLowerCase());

/**
 * Whether a YYYY-MM-DD names a day of the calendar: "2026-02-30" and "2026-13-45" have the shape of a date but
 * name none (Date would roll them over into March, or give no date).
 */
export function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
