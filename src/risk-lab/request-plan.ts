import type { Policy } from '../core/policy/schema.js';
import type { Org, Person, Team } from './org.js';
import type { Rng } from './prng.js';
import { incidentReason, routineReason } from './reasons.js';
import { businessMinute, type Calendar, durationFor, routineMinute } from './timing.js';

export type Platform = 'slack' | 'teams' | 'console';

export type MisuseType = 'off-hours-critical-write' | 'new-resource-burst' | 'reason-without-substance' | 'activity-anomalies';

export interface MisusePlan {
  type: MisuseType;
  campaign: string;
  /** The first request of an activity-anomaly campaign: the abuse that the anomaly detector has yet to see. */
  onset: boolean;
}

/** A request someone will make, before Keycard has seen it. */
export interface PlannedRequest {
  at: number;
  person: Person;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  platform: Platform;
  /** Ground truth: never copied into the request or its audit events. */
  misuse: MisusePlan | null;
}

export const INCIDENT_REQUEST_SHARE = 0.06;
const EXPLORE = 0.04;
const MINUTE = 60_000;

export function platformFor(rng: Rng): Platform {
  return rng.weighted<Platform>(['slack', 'teams', 'console'], [0.7, 0.25, 0.05]);
}

function levelFrom(rng: Rng, levels: string[], weights: Record<string, number>): string {
  return rng.weighted(
    levels,
    levels.map((l) => weights[l] ?? 0.1),
  );
}

/** Day-to-day work: a habit most of the time, now and then a resource the person has not used. */
export function routineRequest(rng: Rng, policy: Policy, org: Org, calendar: Calendar, dayIndex: number): PlannedRequest | undefined {
  const workday = calendar.workday[dayIndex]!;
  const minute = workday ? routineMinute(rng, policy) : rng.int(9 * 60, 21 * 60);
  const at = calendar.at(rng, dayIndex, minute);
  let person: Person | undefined;
  for (let tries = 0; tries < 20 && !person; tries += 1) {
    const candidate = rng.weighted(
      org.people,
      org.people.map((p) => p.rate),
    );
    if (candidate.joinedAt <= at) person = candidate;
  }
  if (!person) return undefined;
  let resource: string;
  let level: string;
  const all = Object.keys(policy.resources);
  const unused = all.filter((r) => !person.habits.some((h) => h.resource === r));
  if (unused.length > 0 && rng.chance(EXPLORE)) {
    resource = rng.pick(unused);
    level = levelFrom(rng, Object.keys(policy.resources[resource]!.levels), { read: 1, write: 0.25 });
  } else {
    const habit = rng.weighted(
      person.habits,
      person.habits.map((h) => h.weight),
    );
    resource = habit.resource;
    level = habit.level;
  }
  const resourcePolicy = policy.resources[resource]!;
  return {
    at,
    person,
    resource,
    level,
    durationMs: durationFor(rng, resourcePolicy, rng.chance(0.15)),
    reason: routineReason(rng, resource, person.team),
    platform: platformFor(rng),
    misuse: null,
  };
}

/** A new joiner's first days: several of their team's resources, each for the first time. */
export function onboardingRequests(rng: Rng, policy: Policy, person: Person): PlannedRequest[] {
  const habits = rng.shuffle(person.habits).slice(0, rng.int(2, 4));
  let at = person.joinedAt + rng.int(30, 180) * MINUTE;
  return habits.map((habit) => {
    at += rng.int(5, 90) * MINUTE;
    return {
      at,
      person,
      resource: habit.resource,
      level: habit.level,
      durationMs: durationFor(rng, policy.resources[habit.resource]!, false),
      reason: routineReason(rng, habit.resource, person.team),
      platform: platformFor(rng),
      misuse: null,
    };
  });
}

export interface PlannedIncident {
  key: string;
  at: number;
  team: Team;
  requests: PlannedRequest[];
}

/**
 * An incident on one team's services: the on-call engineer (and, in business hours, a few
 * teammates and sometimes an SRE) ask for that team's resources, often to write, within the
 * first hours. Incidents happen at any hour, so much of this is legitimate off-hours work.
 */
export function plannedIncident(rng: Rng, policy: Policy, org: Org, calendar: Calendar, key: string): PlannedIncident | undefined {
  const inHours = rng.chance(0.55);
  const dayIndex = inHours ? calendar.pickDay(rng) : rng.int(0, calendar.days.length - 1);
  const minute = inHours && calendar.workday[dayIndex] ? businessMinute(rng, policy) : rng.int(0, 24 * 60 - 1);
  const at = calendar.at(rng, dayIndex, minute);
  const teams = org.teams.filter((t) => t.resources.length > 0);
  if (teams.length === 0) return undefined;
  const team = rng.weighted(
    teams,
    teams.map((t) => t.resources.length),
  );
  const responders = new Set<Person>();
  const onCall = org.onCall(team, at);
  if (onCall) responders.add(onCall);
  const joined = team.members.filter((p) => p.joinedAt <= at && p.role !== 'approver');
  if (inHours) for (let i = rng.int(0, 3); i > 0 && joined.length > 0; i -= 1) responders.add(rng.pick(joined));
  const sres = org.people.filter((p) => p.role === 'sre' && p.joinedAt <= at);
  if (sres.length > 0 && rng.chance(0.3)) responders.add(rng.pick(sres));
  const requests: PlannedRequest[] = [];
  for (const person of responders) {
    let t = at + rng.int(2, 30) * MINUTE;
    for (let n = rng.int(1, 3); n > 0; n -= 1) {
      const familiar = person.habits.filter((h) => team.resources.includes(h.resource));
      const resource = familiar.length > 0 && rng.chance(0.75) ? rng.pick(familiar).resource : rng.pick(team.resources);
      const resourcePolicy = policy.resources[resource]!;
      requests.push({
        at: t,
        person,
        resource,
        level: levelFrom(rng, Object.keys(resourcePolicy.levels), { read: 0.4, write: 0.5, admin: 0.1 }),
        durationMs: durationFor(rng, resourcePolicy, rng.chance(0.4)),
        reason: incidentReason(rng, key, resource),
        platform: platformFor(rng),
        misuse: null,
      });
      t += rng.int(10, 60) * MINUTE;
    }
  }
  return { key, at, team, requests };
}
