import type { Policy, Sensitivity } from '../core/policy/schema.js';
import type { Org, Person } from './org.js';
import type { Rng } from './prng.js';
import { reasonFor, routineReason, ticketKey } from './reasons.js';
import { type MisusePlan, type MisuseType, type PlannedRequest, platformFor } from './request-plan.js';
import { businessMinute, type Calendar, durationFor, nightMinute, routineMinute, weekendMinute } from './timing.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** How often each planted pattern starts a campaign (bursts and anomaly campaigns hold several requests each). */
export const MISUSE_MIX: ReadonlyArray<readonly [MisuseType, number]> = [
  ['off-hours-critical-write', 0.3],
  ['new-resource-burst', 0.2],
  ['reason-without-substance', 0.25],
  ['activity-anomalies', 0.25],
];

export interface MisuseContext {
  policy: Policy;
  org: Org;
  calendar: Calendar;
  /** Day indexes between which campaigns start. */
  firstDay: number;
  lastDay: number;
  /** Incident keys with their start times, so an attacker can cite a real one. */
  incidents: ReadonlyArray<{ key: string; at: number }>;
}

/**
 * One misuse campaign of a given pattern, by someone established in the organisation (a malicious
 * insider or a compromised account). The patterns are the ones the issue names; each is planted
 * with the camouflage a real one would have (plausible reasons, cited tickets, business hours).
 */
export function plannedCampaign(rng: Rng, ctx: MisuseContext, type: MisuseType, campaign: string): PlannedRequest[] {
  const { policy, org, calendar } = ctx;
  const dayIndex = rng.int(ctx.firstDay, Math.max(ctx.firstDay, ctx.lastDay - 2));
  const start = calendar.at(rng, dayIndex, 0);
  const actors = org.people.filter((p) => p.role !== 'approver' && p.joinedAt <= start - 14 * DAY);
  if (actors.length === 0) return [];
  const actor = rng.pick(actors);
  const label = (onset = false): MisusePlan => ({ type, campaign, onset });
  const request = (at: number, resource: string, level: string, reason: string, misuse: MisusePlan): PlannedRequest => ({
    at,
    person: actor,
    resource,
    level,
    durationMs: durationFor(rng, policy.resources[resource]!, rng.chance(0.4)),
    reason,
    platform: platformFor(rng),
    misuse,
  });
  const strangers = (sensitivities: readonly Sensitivity[]) =>
    Object.keys(policy.resources).filter(
      (r) => sensitivities.includes(policy.resources[r]!.sensitivity) && !actor.habits.some((h) => h.resource === r),
    );
  const levelsOf = (r: string) => Object.keys(policy.resources[r]!.levels);
  const strongest = (r: string) => ['admin', 'write'].find((l) => levelsOf(r).includes(l)) ?? levelsOf(r).at(-1)!;

  switch (type) {
    case 'off-hours-critical-write': {
      // Write access to critical data, at night or at the weekend, by someone who never used it.
      const targets = [strangers(['critical']), strangers(['high']), strangers(['medium', 'low'])].find((list) => list.length > 0);
      if (!targets) return [];
      const weekend = rng.chance(0.4);
      const day = weekend ? nearest(calendar, dayIndex, false) : nearest(calendar, dayIndex, true);
      let at = calendar.at(rng, day, weekend ? weekendMinute(rng) : nightMinute(rng, policy));
      const planned: PlannedRequest[] = [];
      for (let n = rng.chance(0.35) ? 2 : 1; n > 0; n -= 1) {
        const resource = rng.pick(targets);
        planned.push(request(at, resource, strongest(resource), attackerReason(rng, ctx, resource, actor, at), label()));
        at += rng.int(60, 180) * MINUTE;
      }
      return planned;
    }
    case 'new-resource-burst': {
      // Reconnaissance: many resources the account never used, within an hour or two.
      const targets = rng.shuffle(strangers(['low', 'medium', 'high', 'critical'])).slice(0, rng.int(4, 8));
      let at = calendar.at(rng, dayIndex, rng.chance(0.5) ? businessMinute(rng, policy) : nightMinute(rng, policy));
      return targets.map((resource) => {
        const level = rng.chance(0.8) && levelsOf(resource).includes('read') ? 'read' : strongest(resource);
        const planned = request(
          at,
          resource,
          level,
          reasonFor(rng, rng.chance(0.5) ? 'weak' : 'descriptive', resource, actor.team),
          label(),
        );
        at += rng.int(3, 20) * MINUTE;
        return planned;
      });
    }
    case 'reason-without-substance': {
      // Access outside one's work with nothing a reviewer could check.
      const targets = strangers(['medium', 'high', 'critical']);
      const pool = targets.length > 0 ? targets : strangers(['low']);
      if (pool.length === 0) return [];
      const planned: PlannedRequest[] = [];
      let day = nearest(calendar, dayIndex, true);
      for (let n = rng.chance(0.25) ? 2 : 1; n > 0; n -= 1) {
        const resource = rng.pick(pool);
        const at = calendar.at(rng, day, rng.chance(0.8) ? businessMinute(rng, policy) : routineMinute(rng, policy));
        const level = rng.chance(0.6) && levelsOf(resource).includes('read') ? 'read' : strongest(resource);
        planned.push(request(at, resource, level, reasonFor(rng, 'weak', resource, actor.team), label()));
        day = Math.min(ctx.lastDay, day + rng.int(1, 4));
      }
      return planned;
    }
    case 'activity-anomalies': {
      // An insider abusing access they hold anyway: the requests look routine; the sessions do not.
      const habits = [...actor.habits].sort(
        (a, b) => sensitivityRank(policy.resources[b.resource]!.sensitivity) - sensitivityRank(policy.resources[a.resource]!.sensitivity),
      );
      const used = habits.slice(0, rng.int(1, 2));
      let day = nearest(calendar, dayIndex, true);
      return Array.from({ length: rng.int(3, 6) }, (_, i) => {
        const habit = rng.pick(used);
        const level = rng.chance(0.5) ? strongest(habit.resource) : habit.level;
        const at = calendar.at(rng, day, rng.chance(0.6) ? businessMinute(rng, policy) : routineMinute(rng, policy));
        day = Math.min(ctx.lastDay, day + rng.int(1, 3));
        return request(at, habit.resource, level, routineReason(rng, habit.resource, actor.team), label(i === 0));
      });
    }
  }
}

/** What an attacker writes: sometimes nothing, often something plausible, a cited ticket, or a live incident's key. */
function attackerReason(rng: Rng, ctx: MisuseContext, resource: string, actor: Person, at: number): string {
  const recent = ctx.incidents.filter((i) => i.at <= at && i.at > at - 3 * DAY);
  const style = rng.weighted(['descriptive', 'ticket', 'incident', 'weak'] as const, [0.3, 0.25, 0.1, 0.35]);
  if (style === 'incident' && recent.length > 0) return `${rng.pick(recent).key} need to fix data in ${resource}`;
  if (style === 'ticket') return `${ticketKey(rng, actor.team)}: ${reasonFor(rng, 'descriptive', resource, actor.team)}`;
  return reasonFor(rng, style === 'incident' ? 'descriptive' : style, resource, actor.team);
}

function nearest(calendar: Calendar, from: number, workday: boolean): number {
  for (let i = from; i < calendar.days.length; i += 1) if (calendar.workday[i] === workday) return i;
  for (let i = from; i >= 0; i -= 1) if (calendar.workday[i] === workday) return i;
  return from;
}

function sensitivityRank(s: Sensitivity): number {
  return ['low', 'medium', 'high', 'critical'].indexOf(s);
}
