import type { Policy } from '../policy/schema.js';
import type { PersonAttributes } from '../ports/person.js';
import { isTimeZone } from '../time-zone.js';

/** Where a requester's time zone came from, in the order it is looked for. */
export type ZoneSource = 'directory' | 'policy-person' | 'client' | 'policy-team' | 'policy';

export interface RequesterZone {
  zone: string;
  source: ZoneSource;
  /** The team or group whose zone was used (source policy-team). */
  team?: string;
}

/**
 * The time zone a requester's off-hours are judged in (issue #19): the directory's zone for them
 * (Slack `tz`, Okta `timezone`), else `risk.timeZones.people`, else the zone their own chat client
 * reported (Slack profile `tz`, Teams `localTimezone`: their own setting, so an admin's pin outranks it),
 * else `risk.timeZones.teams` for their directory team or a policy group they are in (first listed wins),
 * else the policy's `timezone`. A zone the runtime does not know (a typo) is skipped rather than trusted.
 */
export function requesterTimeZone(policy: Policy, requester: string | undefined, person: PersonAttributes | undefined): RequesterZone {
  if (person?.timeZone && isTimeZone(person.timeZone)) return { zone: person.timeZone, source: 'directory' };
  const zones = policy.risk.timeZones;
  const email = (person?.email ?? requester ?? '').toLowerCase();
  const own = email ? zones.people[email] : undefined;
  if (own) return { zone: own, source: 'policy-person' };
  if (person?.clientTimeZone && isTimeZone(person.clientTimeZone)) return { zone: person.clientTimeZone, source: 'client' };
  const team = person?.team?.toLowerCase();
  for (const [name, zone] of Object.entries(zones.teams)) {
    if ((team && name.toLowerCase() === team) || (email && policy.groups[name]?.includes(email))) {
      return { zone, source: 'policy-team', team: name };
    }
  }
  return { zone: policy.timezone, source: 'policy' };
}

/** How a card or `risk explain` names the zone's origin, briefly: "their zone" (directory), "policy zone". */
export function describeZone(z: RequesterZone): string {
  switch (z.source) {
    case 'directory':
    case 'client':
      return 'their zone';
    case 'policy-person':
      return 'their zone per policy';
    case 'policy-team':
      return `${z.team}'s zone per policy`;
    case 'policy':
      return 'policy zone';
  }
}

/**
 * The requester's own zone as a recorded `time` factor names it ("off-hours (21:14 Asia/Tokyo, their zone)"),
 * for replays that have no directory or chat client at hand: the zone the submission judged them in.
 * Undefined when the factor used the policy's map or zone (a replay recomputes those from the policy).
 */
export function ownZoneFromFactors(factors: readonly { id: string; reason: string }[]): string | undefined {
  const reason = factors.find((f) => f.id === 'time')?.reason;
  const zone = reason ? / ([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+|UTC), their zone\)/.exec(reason)?.[1] : undefined;
  return zone && isTimeZone(zone) ? zone : undefined;
}
