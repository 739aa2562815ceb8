import type { Policy, ResourcePolicy } from '../core/policy/schema.js';
import type { PersonAttributes } from '../core/ports/person.js';
import type { AuditInput } from '../core/types.js';
import { writeTrail } from './audit-trail.js';
import { benignDay, incidentsDay, maintenanceDay, onCallChecksDay, onCallFor } from './benign.js';
import { dayNumber } from './civil-time.js';
import { buildOrganisation, type Organisation } from './organisation.js';
import type { IncidentRecord, Pattern, PlannedAccess } from './plan.js';
import { createRandom } from './random.js';
import { accomplices, planMisuse } from './threats.js';

const DAY_MS = 86_400_000;

export interface ThreatModelOptions {
  seed: string;
  people: number;
  /** The measured window, in days, and the ordinary history before it. */
  days: number;
  warmupDays: number;
  /** First day of the window (UTC calendar date). */
  start: { year: number; month: number; day: number };
  /** Misuse requests as a share of the window's benign requests. */
  misuseRate: number;
}

export const DEFAULT_THREAT_MODEL: Omit<ThreatModelOptions, 'seed'> = {
  people: 400,
  days: 90,
  warmupDays: 90,
  start: { year: 2026, month: 2, day: 2 },
  misuseRate: 0.01,
};

/** A generated organisation's history: the audit log, and apart from it what only the generator knows. */
export interface ThreatModelHistory {
  seed: string;
  events: AuditInput[];
  /** Planted misuse, by request id. Only the evaluation reads it, after every routing decision. */
  labels: Array<{ requestId: string; pattern: Pattern; campaign: string }>;
  /** The directory (time zones, teams, leave dates), as a directory provider would supply it. */
  directory: PersonAttributes[];
  /** The incident tool's records: who responded to which incident. */
  incidents: IncidentRecord[];
  window: { start: Date; end: Date };
  org: Organisation;
  summary: {
    people: number;
    teams: number;
    offices: number;
    requests: number;
    windowRequests: number;
    misuse: number;
    incidents: number;
    joiners: number;
    leavers: number;
  };
}

/** Generates an organisation's access history with misuse planted from the threat model. */
export function generateThreatModelHistory(options: ThreatModelOptions): ThreatModelHistory {
  const random = createRandom(`threat-model/${options.seed}`);
  const windowStart = dayNumber(options.start.year, options.start.month, options.start.day);
  const firstDay = windowStart - options.warmupDays;
  const lastDay = windowStart + options.days - 1;
  const org = buildOrganisation(random.fork('org'), { people: options.people, firstDay: windowStart, lastDay });
  const plans: PlannedAccess[] = [];
  const incidents: IncidentRecord[] = [];
  let incidentNumber = 4000;
  const work = random.fork('work');
  for (let day = firstDay; day <= lastDay; day += 1) {
    benignDay(org, day, work, plans);
    incidentsDay(org, day, work, () => ++incidentNumber, plans, incidents);
    maintenanceDay(org, day, work, plans);
    onCallChecksDay(org, day, work, plans);
  }
  const windowStartMs = windowStart * DAY_MS;
  const windowEndMs = (lastDay + 1) * DAY_MS;
  const benignInWindow = plans.filter((p) => p.at >= windowStartMs && p.at < windowEndMs).length;
  const misuse = planMisuse(
    org,
    { firstDay: windowStart, lastDay },
    random.fork('misuse'),
    Math.round(benignInWindow * options.misuseRate),
    incidents,
  ).filter((p) => p.at >= windowStartMs && p.at < windowEndMs);
  const all = [...plans, ...misuse].sort((a, b) => a.at - b.at);
  const onCall = (email: string, at: number) => {
    const person = org.byEmail.get(email);
    if (!person) return undefined;
    return onCallFor(org, person.team, Math.floor(at / DAY_MS)) === email ? `${person.team}-oncall` : undefined;
  };
  const trail = writeTrail(all, { org, random: random.fork('trail'), accomplices: accomplices(misuse), onCall });
  const directory: PersonAttributes[] = org.people.map((p) => ({
    email: p.email,
    active: true,
    team: p.team,
    timeZone: p.office.zone,
    ...(p.leaveDay !== null ? { leaveDate: new Date(p.leaveDay * DAY_MS) } : {}),
    ...(org.teams.find((t) => t.name === p.team)?.leads[0] ? { manager: org.teams.find((t) => t.name === p.team)!.leads[0]! } : {}),
  }));
  return {
    seed: options.seed,
    events: trail.events,
    labels: trail.labels,
    directory,
    incidents,
    window: { start: new Date(windowStartMs), end: new Date(windowEndMs) },
    org,
    summary: {
      people: org.people.length,
      teams: org.teams.length,
      offices: org.offices.length,
      requests: all.length,
      windowRequests: all.filter((p) => p.at >= windowStartMs).length,
      misuse: trail.labels.length,
      incidents: incidents.length,
      joiners: org.people.filter((p) => p.joinDay >= windowStart).length,
      leavers: org.people.filter((p) => p.leaveDay !== null).length,
    },
  };
}

/** The evaluated policy for this organisation: the base policy's risk model and tiers, the organisation's resources and approver groups. */
export function threatModelPolicy(base: Policy, org: Organisation): Policy {
  const resources: Record<string, ResourcePolicy> = {};
  for (const r of org.resources) {
    resources[r.name] = {
      description: r.description,
      provider: 'demo',
      sensitivity: r.sensitivity,
      levels: Object.fromEntries(r.levels.map((l) => [l, {}])),
      defaultLevel: 'read',
      minDuration: 60_000,
      defaultDuration: 3_600_000,
      maxDuration: r.maxMinutes * 60_000,
      config: {},
      minTier: 'low',
      mode: 'enforce',
    };
  }
  const leads = org.teams.flatMap((t) => t.leads);
  const groups: Record<string, string[]> = { ...Object.fromEntries(org.teams.map((t) => [t.name, t.leads])), security: org.securityTeam };
  for (const tier of Object.values(base.tiers)) for (const g of tier.approvers) groups[g] ??= leads;
  return { ...base, resources, groups };
}
