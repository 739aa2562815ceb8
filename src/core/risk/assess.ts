import { formatDuration } from '../duration.js';
import { tierForScore } from '../policy/access.js';
import { type Policy, type ResourcePolicy, TIER_NAMES, type TierName } from '../policy/schema.js';
import type { RequesterHistory, RequestKind, RiskAssessment, RiskFactor } from '../types.js';
import { clockToMinutes, localTime } from './local-time.js';

export interface RiskInput {
  resource: string;
  resourcePolicy: ResourcePolicy;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  breakGlass: boolean;
  kind: RequestKind;
  at: Date;
  history: RequesterHistory;
  /** Rotations through which the requester is on call now (empty or absent: not on call). */
  onCallVia?: string[];
}

/**
 * Scores a request as a sum of named factors (DESIGN.md §4). Deterministic: the same input and
 * policy always give the same score. Every evaluated factor is returned, zero-point ones included,
 * so `risk explain` can show the whole computation.
 */
export function assessRisk(policy: Policy, input: RiskInput): RiskAssessment {
  const { factors: w, thresholds: t } = policy.risk;
  const factors: RiskFactor[] = [];
  const add = (id: string, points: number, reason: string) => factors.push({ id, points, reason });

  const sensitivity = input.resourcePolicy.sensitivity;
  add('sensitivity', policy.risk.sensitivity[sensitivity], `${sensitivity} sensitivity (${input.resource})`);
  add('level', policy.risk.levels[input.level] ?? 0, `${input.level} access`);

  const share = input.durationMs / input.resourcePolicy.maxDuration;
  const durationText = `${formatDuration(input.durationMs)} of the ${formatDuration(input.resourcePolicy.maxDuration)} maximum`;
  if (share > 0.75) add('duration', w.durationOverThreeQuarters, `long window: ${durationText}`);
  else if (share > 0.5) add('duration', w.durationOverHalf, `long window: ${durationText}`);
  else add('duration', 0, `short window: ${durationText}`);

  const local = localTime(input.at, policy.timezone);
  const when = `${local.hhmm} ${policy.timezone}`;
  const { days, start, end } = policy.businessHours;
  if (!days.includes(local.weekday)) {
    add('time', w.weekend, `weekend (${local.weekday} ${when})`);
  } else if (local.minutes < clockToMinutes(start) || local.minutes >= clockToMinutes(end)) {
    add('time', w.offHours, `off-hours (${when})`);
  } else {
    add('time', 0, `business hours (${when})`);
  }

  const h = input.history;
  if (h.priorGrantsOnResource === 0) add('first-access', w.firstAccess, `first access to ${input.resource}`);
  if (h.cleanGrantsOnResource >= t.cleanHistoryGrants) {
    add('clean-history', w.cleanHistory, `${h.cleanGrantsOnResource} earlier grants on ${input.resource} ended cleanly`);
  }
  const denials = Math.min(h.recentDenials, t.maxDenials);
  if (denials > 0)
    add('recent-denials', denials * w.recentDenial, `${h.recentDenials} denied request(s) in the last ${formatDuration(t.denialWindow)}`);
  const anomalies = Math.min(h.recentAnomalies, t.maxAnomalies);
  if (anomalies > 0)
    add(
      'recent-anomalies',
      anomalies * w.recentAnomaly,
      `${h.recentAnomalies} anomaly alert(s) in the last ${formatDuration(t.historyWindow)}`,
    );
  if (h.requestsInVelocityWindow >= t.velocityRequests) {
    add('velocity', w.velocity, `${h.requestsInVelocityWindow} requests in the last ${formatDuration(t.velocityWindow)}`);
  }
  if (h.newResourcesLastDay >= t.newResourcesPerDay) {
    add('new-resource-burst', w.newResourceBurst, `${h.newResourcesLastDay} never-used resources requested in the last day`);
  }

  if (input.incidentKey) add('incident', w.incidentKey, `incident key ${input.incidentKey}`);
  const ticket = findTicket(input.reason, policy.risk.ticketPattern, input.incidentKey);
  if (ticket) add('ticket', w.ticketKey, `ticket ${ticket}`);
  const words = input.reason
    .trim()
    .split(/\s+/)
    .filter((word) => /[a-z0-9]/i.test(word)).length;
  if (!input.incidentKey && !ticket && (words < t.minReasonWords || input.reason.trim().length < t.minReasonLength)) {
    add('weak-reason', w.weakReason, `vague reason ("${truncate(input.reason, 40)}")`);
  }
  if (input.onCallVia && input.onCallVia.length > 0) add('on-call', w.onCall, `on call (${input.onCallVia.join(', ')})`);
  if (input.breakGlass) add('break-glass', w.breakGlass, 'break-glass requested');
  if (input.kind === 'extension' && w.extension !== 0) add('extension', w.extension, 'extension of an active grant');

  const total = factors.reduce((sum, f) => sum + f.points, 0);
  const score = Math.max(0, Math.min(100, Math.round(total)));
  return { score, tier: tierForScore(policy, score), factors };
}

function findTicket(reason: string, pattern: string, incidentKey: string | null): string | undefined {
  const re = new RegExp(pattern, 'g');
  for (const match of reason.matchAll(re)) {
    if (match[0].toUpperCase() !== incidentKey) return match[0];
  }
  return undefined;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The factors worth showing on a card: non-zero, largest effect first. */
export function topFactors(factors: RiskFactor[], count = 4): RiskFactor[] {
  return factors
    .filter((f) => f.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, count);
}

export function formatPoints(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

/**
 * Incident relief: a request linked to an incident by someone on call routes `relief` tiers lower,
 * never below the resource's floor. Returns the tier to use and, when it changed, a zero-point factor
 * that explains why (so cards and `risk explain` show it).
 */
export function applyIncidentRelief(
  assessment: RiskAssessment,
  input: { incidentKey: string | null; onCallVia?: string[]; relief: number; floor: TierName },
): RiskAssessment {
  if (!input.incidentKey || !input.onCallVia?.length || input.relief === 0) return assessment;
  const index = TIER_NAMES.indexOf(assessment.tier);
  const lowered = TIER_NAMES[Math.max(TIER_NAMES.indexOf(input.floor), index - input.relief)]!;
  if (lowered === assessment.tier) return assessment;
  return {
    ...assessment,
    tier: lowered,
    factors: [
      ...assessment.factors,
      {
        id: 'incident-relief',
        points: 0,
        reason: `on call for ${input.incidentKey}: routed as ${lowered} instead of ${assessment.tier} (floor ${input.floor})`,
      },
    ],
  };
}
