import type { Policy } from '../core/policy/schema.js';
import { clockToMinutes } from '../core/risk/local-time.js';
import { unitHash } from './prng.js';
import type { Zone } from './zoned-time.js';

const MINUTE = 60_000;

/**
 * How long a request waits for its approvers, by when it is asked: a few minutes in business
 * hours, longer at night (the on-call approver has to wake up) and at weekends, shorter when an
 * incident is running (everyone is watching), longer when two people must approve. Log-normal
 * noise per request id, so the same request waits the same under every routing being compared.
 */
export function approvalWaitMs(
  policy: Policy,
  zone: Zone,
  request: { id: string; at: Date; incident: boolean },
  approvals: number,
): number {
  const local = zone.local(request.at);
  const { days, start, end } = policy.businessHours;
  const workday = days.includes(local.weekday);
  const inHours = workday && local.minutes >= clockToMinutes(start) && local.minutes < clockToMinutes(end);
  let median = inHours ? 6 * MINUTE : workday ? 22 * MINUTE : 35 * MINUTE;
  if (request.incident) median *= 0.6;
  if (approvals >= 2) median *= 1.8;
  const u1 = Math.max(unitHash(`${request.id}:wait:1`), 1e-9);
  const u2 = unitHash(`${request.id}:wait:2`);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(median * Math.exp(0.8 * z));
}
