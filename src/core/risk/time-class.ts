import type { Policy, Weekday } from '../policy/schema.js';
import { clockToMinutes } from './local-time.js';

const WEEKDAY_BY_SHORT: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

// Building an Intl.DateTimeFormat costs ~100 µs, using one ~5 µs; replaying a long audit log
// classifies hundreds of thousands of instants, so one formatter per time zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

export type TimeClass = 'business' | 'off-hours' | 'weekend';

/** Business hours, off-hours or weekend in the policy's time zone: the same rule as assessRisk's time factor. */
export function timeClass(policy: Policy, at: Date): TimeClass {
  let format = formatters.get(policy.timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: policy.timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(policy.timezone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const minutes = (Number(get('hour')) % 24) * 60 + Number(get('minute'));
  const weekday = WEEKDAY_BY_SHORT[get('weekday')] ?? 'mon';
  const { days, start, end } = policy.businessHours;
  if (!days.includes(weekday)) return 'weekend';
  return minutes < clockToMinutes(start) || minutes >= clockToMinutes(end) ? 'off-hours' : 'business';
}
