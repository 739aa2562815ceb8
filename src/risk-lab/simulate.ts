import type { Policy } from '../core/policy/schema.js';
import type { AuditInput } from '../core/types.js';
import { createEventQueue } from './event-queue.js';
import { createLifecycleSim, type MisuseLabel } from './lifecycle-sim.js';
import { MISUSE_MIX, plannedCampaign } from './misuse-plan.js';
import { buildOrg } from './org.js';
import { createRng } from './prng.js';
import { INCIDENT_REQUEST_SHARE, onboardingRequests, type PlannedRequest, plannedIncident, routineRequest } from './request-plan.js';
import { createCalendar } from './timing.js';
import { type CivilDate, createZone, formatCivilDate } from './zoned-time.js';

const MINUTE = 60_000;

export interface SimulationOptions {
  seed: number | string;
  /** Length of the measured window in days. */
  days: number;
  /** Requests in the measured window. */
  requests: number;
  /** First local day of the measured window. */
  start: CivilDate;
  /**
   * Days of ordinary history before the window (default: the policy's history window), so the
   * history factors are in the steady state of a running deployment rather than of a fresh install.
   */
  warmupDays?: number;
  /** Share of the window's requests that are planted misuse. */
  misuseRate: number;
  /** People in the organisation (default: one per 1.2 requests a day). */
  people?: number;
  /** Which team owns which resources (default: round-robin). */
  ownership?: Record<string, string[]>;
  groupTeams?: Record<string, string>;
}

export const DEFAULT_SIMULATION = { days: 90, requests: 50_000, misuseRate: 0.01, start: { year: 2026, month: 1, day: 5 } };

/** What the generator knew and Keycard must not: which requests were planted misuse. */
export interface GroundTruth {
  seed: string;
  /** The measured window (the warm-up before it carries labels too, but is not measured). */
  window: { start: string; end: string };
  misuse: MisuseLabel[];
}

export interface SimulatedHistory {
  /** Audit events in chain order: exactly what Keycard would have logged. */
  events: AuditInput[];
  /** Kept apart from the events; only the evaluation reads it, after routing. */
  truth: GroundTruth;
  window: { start: Date; end: Date };
  summary: {
    seed: string;
    people: number;
    teams: number;
    newJoiners: number;
    incidents: number;
    windowRequests: number;
    warmupRequests: number;
    misuseCampaigns: number;
    misuseRequests: number;
    events: number;
  };
}

/**
 * Generates an organisation's access history, deterministically for a seed: people in teams with
 * habits, weekly on-call rotations, incidents at any hour, business-hours routine in the policy's
 * time zone, new joiners, and planted misuse campaigns whose labels are kept in `truth`.
 */
export function simulateHistory(policy: Policy, options: SimulationOptions): SimulatedHistory {
  const seed = String(options.seed);
  const root = createRng(seed);
  const zone = createZone(policy.timezone);
  const warmupDays = options.warmupDays ?? Math.ceil(policy.risk.thresholds.historyWindow / 86_400_000);
  const totalDays = warmupDays + options.days;
  const first = zone.addDays(options.start, -warmupDays);
  const calendar = createCalendar(policy, zone, first, totalDays);
  const windowStart = zone.instant(options.start, 0).getTime();
  const windowEnd = zone.instant(zone.addDays(options.start, options.days), 0).getTime();
  const startMs = zone.instant(first, 0).getTime();
  const people = options.people ?? Math.max(12, Math.round(options.requests / options.days / 1.2));
  const org = buildOrg(policy, root.fork('org'), {
    people,
    start: startMs,
    end: windowEnd,
    ...(options.ownership ? { ownership: options.ownership } : {}),
    ...(options.groupTeams ? { groupTeams: options.groupTeams } : {}),
  });

  const planRng = root.fork('plan');
  const plans: PlannedRequest[] = [];
  const inWindow = (at: number) => at >= windowStart && at < windowEnd;
  const warmupRequests = Math.round((options.requests * warmupDays) / options.days);

  // Incidents first (they fix their own request counts), then joiners' onboarding, then misuse; routine fills the rest.
  const incidents: Array<{ key: string; at: number }> = [];
  const incidentTarget = Math.round(((options.requests + warmupRequests) * INCIDENT_REQUEST_SHARE) / 5);
  for (let i = 0; i < incidentTarget; i += 1) {
    const incident = plannedIncident(planRng, policy, org, calendar, `INC-${4001 + i}`);
    if (!incident) continue;
    incidents.push({ key: incident.key, at: incident.at });
    plans.push(...incident.requests);
  }
  for (const person of org.people) if (Number.isFinite(person.joinedAt)) plans.push(...onboardingRequests(planRng, policy, person));

  // Misuse happens all the time, not only in the measured window: it is planted at the same rate
  // in the warm-up too, so its after-effects (anomalies, denials) are in steady state as well.
  const misuseRng = root.fork('misuse');
  const firstDay = warmupDays;
  const misuseTarget = Math.round((options.requests + warmupRequests) * options.misuseRate);
  let campaigns = 0;
  let misuse = 0;
  while (misuse < misuseTarget && campaigns < misuseTarget * 4) {
    const type = misuseRng.weighted(
      MISUSE_MIX.map(([t]) => t),
      MISUSE_MIX.map(([, w]) => w),
    );
    // Not in the first weeks of the warm-up, when nobody has habits yet to hide behind.
    const ctx = { policy, org, calendar, firstDay: Math.min(firstDay, 14), lastDay: totalDays - 1, incidents };
    const planned = plannedCampaign(misuseRng, ctx, type, `C${campaigns + 1}`);
    campaigns += 1;
    plans.push(...planned);
    misuse += planned.length;
  }

  const counted = (window: boolean) => plans.filter((p) => inWindow(p.at) === window).length;
  const routineWindow = Math.max(0, options.requests - counted(true));
  const routineWarmup = Math.max(0, warmupRequests - counted(false));
  for (let i = 0; i < routineWindow; i += 1) {
    const plan = routineRequest(planRng, policy, org, calendar, calendar.pickDay(planRng, firstDay, totalDays));
    if (plan) plans.push(plan);
  }
  for (let i = 0; i < routineWarmup && firstDay > 0; i += 1) {
    const plan = routineRequest(planRng, policy, org, calendar, calendar.pickDay(planRng, 0, firstDay));
    if (plan) plans.push(plan);
  }

  const queue = createEventQueue();
  const sim = createLifecycleSim({ policy, zone, rng: root.fork('lifecycle'), ids: root.fork('ids'), queue });
  const delayRng = root.fork('delays');
  // Someone who already holds (or awaits) the access asks again once it is over.
  const attempt = (plan: PlannedRequest, at: number) => {
    const busy = sim.busyUntil(plan);
    if (busy !== undefined && busy > at) {
      const retry = busy + delayRng.int(1, 20) * MINUTE;
      if (retry < windowEnd + 86_400_000) queue.schedule(retry, () => attempt(plan, retry));
      return;
    }
    sim.submit(plan, at);
  };
  plans.sort((a, b) => a.at - b.at);
  for (const plan of plans) queue.schedule(plan.at, () => attempt(plan, plan.at));
  let more = true;
  while (more) more = queue.runNext() !== undefined;

  const windowIds = new Set(
    sim.events.filter((e) => e.action === 'request.submitted' && inWindow(e.at.getTime())).map((e) => e.requestId ?? ''),
  );
  const window = windowIds.size;
  return {
    events: sim.events,
    truth: { seed, window: { start: new Date(windowStart).toISOString(), end: new Date(windowEnd).toISOString() }, misuse: sim.labels },
    window: { start: new Date(windowStart), end: new Date(windowEnd) },
    summary: {
      seed,
      people: org.people.length,
      teams: org.teams.length,
      newJoiners: org.people.filter((p) => Number.isFinite(p.joinedAt)).length,
      incidents: incidents.length,
      windowRequests: window,
      warmupRequests: sim.events.filter((e) => e.action === 'request.submitted').length - window,
      misuseCampaigns: campaigns,
      misuseRequests: sim.labels.filter((l) => windowIds.has(l.requestId)).length,
      events: sim.events.length,
    },
  };
}

export function describeWindow(history: SimulatedHistory, zoneName: string): string {
  const zone = createZone(zoneName);
  return `${formatCivilDate(zone.dateOf(history.window.start))} to ${formatCivilDate(zone.dateOf(new Date(history.window.end.getTime() - 1)))}`;
}
