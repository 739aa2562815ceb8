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
