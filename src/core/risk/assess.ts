import { formatDuration } from '../duration.js';
import { tierForScore } from '../policy/access.js';
import { type Policy, type ResourcePolicy, TIER_NAMES, type TierName } from '../policy/schema.js';
import { NO_SUCH_INCIDENT, type ResponderAnswer } from '../ports/incident-responders.js';
import type { PersonAttributes } from '../ports/person.js';
import type { ApproverRecord, RequesterHistory, RequestKind, RiskAssessment, RiskFactor } from '../types.js';
import { cutText } from '../views/safe-text.js';
import { departureFactor, type HabitContext, habitFactors } from './habit-factors.js';
import { type RequesterHabits, ticketPatternOf, ticketRegExp } from './habits.js';
import { clockToMinutes, localTime } from './local-time.js';
import { otherResourcesNamed } from './reason-mismatch.js';
import { describeZone, requesterTimeZone } from './requester-zone.js';

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
  /** Who asks (for the policy's departure list when no directory attributes are given). */
  requester?: string;
  /** The requester's directory attributes; absent means unknown (never a discount). */
  person?: PersonAttributes;
  /** The requester's own habits (store or audit replay); absent: the habit factors are not evaluated. */
  habits?: RequesterHabits;
  /** Whether the requester responds to the cited incident; absent: unknown (no discount unless on call). */
  incidentResponder?: ResponderAnswer;
  /**
   * How many people other than the requester gave this exact reason in the history window (the store or
   * the audit replay); absent: not looked up (only asked when `needsReasonPeers`), which never adds points.
   */
  reasonPeers?: number;
  /** What their usual approver (usualApproverToCheck) decided in the history window; absent: not looked up. */
  usualApproverRecord?: ApproverRecord;
}

/** Marks an off-hours `time` factor waived because that hour is the requester's habit (the card names it). */
export const USUAL_HOUR = ', usual for them';

/**
 * Scores a request as a sum of named factors (DESIGN.md §4). Deterministic: the same input and
 * policy always give the same score. Every evaluated factor is returned, zero-point ones included,
 * so `risk explain` can show the whole computation.
 */
export function assessRisk(policy: Policy, input: RiskInput): RiskAssessment {
  const { factors: w, thresholds: t } = policy.risk;
  const factors: RiskFactor[] = [];
  const add = (id: string, points: number, reason: string, approver?: string) =>
    factors.push(approver ? { id, points, reason, approver } : { id, points, reason });

  const sensitivity = input.resourcePolicy.sensitivity;
  add('sensitivity', policy.risk.sensitivity[sensitivity], `${sensitivity} sensitivity (${input.resource})`);
  add('level', policy.risk.levels[input.level] ?? 0, `${input.level} access`);

  const share = input.durationMs / input.resourcePolicy.maxDuration;
  const durationText = `${formatDuration(input.durationMs)} of the ${formatDuration(input.resourcePolicy.maxDuration)} maximum`;
  if (share > 0.75) add('duration', w.durationOverThreeQuarters, `long window: ${durationText}`);
  else if (share > 0.5) add('duration', w.durationOverHalf, `long window: ${durationText}`);
  else add('duration', 0, `short window: ${durationText}`);

  // Off-hours on the requester's own clock (directory, then policy map, then policy zone), unless that hour is usual for them.
  const zone = requesterTimeZone(policy, input.requester, input.person);
  const local = localTime(input.at, zone.zone);
  const when = `${local.hhmm} ${zone.zone}, ${describeZone(zone)}`;
  const { days, start, end } = policy.businessHours;
  const usual =
    input.habits && input.habits.sameHourDays >= t.habitHourRequests
      ? `${USUAL_HOUR} (granted near this hour on ${input.habits.sameHourDays} days of the window)`
      : undefined;
  if (!days.includes(local.weekday)) {
    add('time', usual ? 0 : w.weekend, `weekend (${local.weekday} ${when})${usual ?? ''}`);
  } else if (local.minutes < clockToMinutes(start) || local.minutes >= clockToMinutes(end)) {
    add('time', usual ? 0 : w.offHours, `off-hours (${when})${usual ?? ''}`);
  } else {
    add('time', 0, `business hours (${when})`);
  }

  const h = input.history;
  if (h.priorGrantsOnResource === 0) add('first-access', w.firstAccess, `first access to ${input.resource}`);
  // A clean record discounts repeating what was done before, and never a step up. Both history discounts
  // together take off at most maxHistoryDiscount: a long record cannot buy an insider's next request.
  if (h.cleanGrantsOnResource >= t.cleanHistoryGrants && !input.habits?.stepUp) {
    const clean = Math.max(w.cleanHistory, -t.maxHistoryDiscount);
    add('clean-history', clean, `${h.cleanGrantsOnResource} earlier grants on ${input.resource} ended cleanly`);
    // A long clean record on the resource is established routine: a second discount, within what the cap leaves.
    if (h.cleanGrantsOnResource >= t.routineGrants) {
      const left = t.maxHistoryDiscount + Math.min(0, clean);
      const routine = Math.max(w.routineWork, 0 - left);
      add(
        'routine',
        routine,
        `routine: ${h.cleanGrantsOnResource} clean grants on ${input.resource} in the window (≥ ${t.routineGrants})${routine !== w.routineWork ? `, capped: history takes off at most ${t.maxHistoryDiscount}` : ''}`,
      );
    }
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

  const ticket = findTicket(input.reason, ticketPatternOf(policy), input.incidentKey);
  const context: HabitContext = {
    resource: input.resource,
    level: input.level,
    durationMs: input.durationMs,
    at: input.at,
    incidentKey: input.incidentKey,
    incidentResponder: input.incidentResponder,
    onCall: (input.onCallVia?.length ?? 0) > 0,
    ticket,
    history: h,
    habits: input.habits,
    person: input.person,
    requester: input.requester,
    reasonPeers: input.reasonPeers,
    usualApproverRecord: input.usualApproverRecord,
  };
  const before = factors.length;
  habitFactors(policy, context, add);
  departureFactor(policy, context, add);
  const reused = factors.slice(before).some((f) => f.id === 'ticket-reuse');
  if (ticket && !reused) add('ticket', w.ticketKey, `ticket ${ticket}`);
  // Judged without its incident and ticket keys: "fix it INC-4211" is two words, as "fix it" is.
  const text = withoutKeys(policy, input.reason);
  const words = text.split(/\s+/).filter((word) => /[a-z0-9]/i.test(word)).length;
  // A key vouches for a short reason only when it carries weight: the incident of a responder (the
  // discount applied) or a ticket that is not being reused. Citing any key is not a reason by itself.
  const incidentVouches = factors.some((f) => f.id === 'incident');
  const ticketVouches = ticket !== undefined && !reused;
  if (!incidentVouches && !ticketVouches && (words < t.minReasonWords || text.length < t.minReasonLength)) {
    const named = input.incidentResponder === NO_SUCH_INCIDENT ? 'names no known incident' : 'vouches only for its responders';
    add('weak-reason', w.weakReason, `vague reason ("${truncate(input.reason, 40)}")${unvouched(input.incidentKey, named, ticket)}`);
  }
  const elsewhere = otherResourcesNamed(policy, input.resource, input.reason);
  if (elsewhere.length > 0) {
    add(
      'reason-mismatch',
      w.reasonMismatch,
      `the reason names ${elsewhere.slice(0, 2).join(' and ')}${elsewhere.length > 2 ? ` and ${elsewhere.length - 2} more` : ''}, not ${input.resource}`,
    );
  }
  if (input.onCallVia && input.onCallVia.length > 0) add('on-call', w.onCall, `on call (${input.onCallVia.join(', ')})`);
  if (input.breakGlass) add('break-glass', w.breakGlass, 'break-glass requested');
  if (input.kind === 'extension' && w.extension !== 0) add('extension', w.extension, 'extension of an active grant');

  const total = factors.reduce((sum, f) => sum + f.points, 0);
  const score = Math.max(0, Math.min(100, Math.round(total)));
  return capAutoApproval(policy, { score, tier: tierForScore(policy, score), factors }, input.habits);
}

/** Auto-approval stops after autoApproveCap requests within autoApproveWindow, whatever the score. */
function capAutoApproval(policy: Policy, assessment: RiskAssessment, habits: RequesterHabits | undefined): RiskAssessment {
  const t = policy.risk.thresholds;
  if (t.autoApproveCap === 0 || !habits || habits.autoApprovedRecently < t.autoApproveCap) return assessment;
  if (policy.tiers[assessment.tier].approvals > 0) return assessment;
  const next = TIER_NAMES.slice(TIER_NAMES.indexOf(assessment.tier) + 1).find((name) => policy.tiers[name].approvals > 0);
  if (!next) return assessment;
  return {
    ...assessment,
    tier: next,
    factors: [
      ...assessment.factors,
      {
        id: 'auto-approve-cap',
        points: 0,
        reason: `${habits.autoApprovedRecently} auto-approved requests within ${formatDuration(t.autoApproveWindow)} (cap ${t.autoApproveCap}): routed as ${next}`,
      },
    ],
  };
}

const incidentKeys = new Map<string, RegExp>();

/**
 * The reason with every incident key (found case-insensitively, as in findIncidentKey) and ticket key taken out,
 * spaces collapsed: what is left is what the requester actually wrote.
 */
function withoutKeys(policy: Policy, reason: string): string {
  const pattern = policy.incidents.keyPattern;
  let keys = incidentKeys.get(pattern);
  if (!keys) {
    if (incidentKeys.size >= 16) incidentKeys.clear();
    keys = new RegExp(pattern, 'gi');
    incidentKeys.set(pattern, keys);
  }
  return reason.replace(keys, ' ').replace(ticketRegExp(policy.risk.ticketPattern), ' ').replace(/\s+/g, ' ').trim();
}

function findTicket(reason: string, pattern: string, incidentKey: string | null): string | undefined {
  for (const match of reason.matchAll(ticketRegExp(pattern))) {
    if (match[0] !== '' && match[0].toUpperCase() !== incidentKey) return match[0];
  }
  return undefined;
}

/** Why a cited key did not make a short reason acceptable, for the card (empty when none was cited). */
function unvouched(incidentKey: string | null, why: string, ticket: string | undefined): string {
  const notes: string[] = [];
  if (incidentKey) notes.push(`${incidentKey} ${why}`);
  if (ticket) notes.push(`ticket ${ticket} is reused too widely to vouch for it`);
  return notes.map((n) => `; ${n}`).join('');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${cutText(text, max - 1)}…` : text;
}

export function formatPoints(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

/**
 * Incident relief: a request linked to an incident by someone on call routes `relief` tiers lower,
 * never below the resource's floor, unless a responder source knows they are not responding to that
 * incident, or that there is no such incident (being on call for something else is no reason to wave
 * through access "for" this one, nor for a key nobody declared).
 * Returns the tier to use and, when it changed, a zero-point factor that explains why (so cards and
 * `risk explain` show it).
 */
export function applyIncidentRelief(
  assessment: RiskAssessment,
  input: { incidentKey: string | null; onCallVia?: string[]; incidentResponder?: ResponderAnswer; relief: number; floor: TierName },
): RiskAssessment {
  const unrelated = input.incidentResponder === false || input.incidentResponder === NO_SUCH_INCIDENT;
  if (!input.incidentKey || !input.onCallVia?.length || input.relief === 0 || unrelated) return assessment;
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
