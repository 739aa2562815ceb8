import { formatDuration } from '../duration.js';
import type { Policy } from '../policy/schema.js';
import { NO_SUCH_INCIDENT, type ResponderAnswer } from '../ports/incident-responders.js';
import type { PersonAttributes } from '../ports/person.js';
import type { ApproverRecord, RequesterHistory, RiskFactor } from '../types.js';
import { APPROVER_RECORD_DECISIONS } from './approver-records.js';
import type { RequesterHabits } from './habits.js';
import { REASON_PEERS_CAP } from './reason-peers.js';

type Add = (id: string, points: number, reason: string, approver?: string) => void;

const DAY_MS = 86_400_000;

export interface HabitContext {
  resource: string;
  level: string;
  durationMs: number;
  at: Date;
  incidentKey: string | null;
  /** True: a responder of the cited incident; false: known not to be one; NO_SUCH_INCIDENT: no source knows it; undefined: unknown. */
  incidentResponder: ResponderAnswer;
  onCall: boolean;
  ticket: string | undefined;
  history: RequesterHistory;
  habits: RequesterHabits | undefined;
  person: PersonAttributes | undefined;
  requester: string | undefined;
  /** Other people who gave this exact reason in the history window; undefined: not looked up. */
  reasonPeers: number | undefined;
  /** What their usual approver decided in the history window; undefined: not looked up. */
  usualApproverRecord: ApproverRecord | undefined;
}

const RESPONDER = 'one of its responders';
/** The recorded `incident-unknown` reason, after the key: a replay reads the factor id, a reviewer reads this. */
const NO_INCIDENT_TEXT = 'which names no incident open then (the incident source has none by that key): no discount, no on-call relief';

/**
 * What the factors recorded at submission say about the requester and the cited incident: true when they
 * were a known responder, false when known not to be, NO_SUCH_INCIDENT when no source knew the incident,
 * undefined when nobody could tell. Replays (calibration,
 * policy replay) read it back so a re-score routes as the submission did.
 */
export function responderFromFactors(factors: readonly { id: string; reason: string }[]): ResponderAnswer {
  if (factors.some((f) => f.id === 'incident-not-responder')) return false;
  if (factors.some((f) => f.id === 'incident-unknown')) return NO_SUCH_INCIDENT;
  if (factors.some((f) => f.id === 'incident' && f.reason.endsWith(RESPONDER))) return true;
  return undefined;
}

/** Reads the on-call rotations back from a recorded `on-call` factor ("on call (sre-primary, dba)"). */
export function onCallFromFactors(factors: readonly RiskFactor[] | undefined): string[] {
  const factor = factors?.find((f) => f.id === 'on-call');
  if (!factor) return [];
  const listed = /\((.*)\)\s*$/.exec(factor.reason)?.[1];
  const via = (listed ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return via.length > 0 ? via : ['on call'];
}

/** When the person leaves, from the directory or the policy's departure list; undefined when nobody says. */
export function leaveDateOf(policy: Policy, person: PersonAttributes | undefined, requester: string | undefined): Date | undefined {
  if (person?.leaveDate) return person.leaveDate;
  const email = (person?.email ?? requester ?? '').toLowerCase();
  const listed = policy.risk.departures.find((d) => d.email === email);
  return listed ? new Date(`${listed.leaveDate}T23:59:59Z`) : undefined;
}

/**
 * The factors that judge a request against the requester's own habits and context (issue #19).
 * Each adds points with a reason a reviewer can check; absent habits or attributes mean "unknown",
 * which never discounts.
 */
export function habitFactors(policy: Policy, c: HabitContext, add: Add): void {
  const w = policy.risk.factors;
  const t = policy.risk.thresholds;
  const h = c.habits;
  const settled = h !== undefined && h.grantsInWindow >= t.habitMinGrants;

  // Incidents: the key lowers risk only for someone responding to it.
  if (c.incidentKey) {
    if (c.incidentResponder === true || (c.incidentResponder === undefined && c.onCall)) {
      add('incident', w.incidentKey, `incident ${c.incidentKey}, and they are ${c.incidentResponder ? RESPONDER : 'on call'}`);
    } else if (c.incidentResponder === false) {
      add(
        'incident-not-responder',
        w.incidentNotResponder,
        `cites ${c.incidentKey} but is not one of its responders (not paged, not in its channel)`,
      );
    } else if (c.incidentResponder === NO_SUCH_INCIDENT) {
      add('incident-unknown', w.incidentUnknown, `cites ${c.incidentKey}, ${NO_INCIDENT_TEXT}`);
    } else {
      add('incident-unverified', 0, `cites ${c.incidentKey}; not known to be responding, so no discount`);
    }
  }
  if (c.ticket && h?.ticketReuse && (h.ticketReuse.families >= t.ticketMaxFamilies || h.ticketReuse.firstMsAgo > t.ticketMaxAge)) {
    const r = h.ticketReuse;
    add(
      'ticket-reuse',
      w.ticketReuse,
      r.families >= t.ticketMaxFamilies
        ? `ticket ${r.ticket} now cited for ${families(r.families, 'unrelated')} (${r.families - 1} before this one)`
        : `ticket ${r.ticket} first cited ${formatDuration(r.firstMsAgo)} ago`,
    );
  }
  if (!h) return;
  if (h.stepUp) add('step-up', w.stepUp, `step up from ${h.stepUp.from} to ${c.level} ${c.resource}: history discounts do not apply`);
  if (h.escalationSteps >= t.escalationSteps) {
    add('escalation', w.escalation, `climbing over ${formatDuration(t.escalationWindow)}: ${h.escalationPath.join(' → ')}`);
  }
  if (settled && c.history.newResourcesLastDay >= t.unusualNewResourcesPerDay) {
    add(
      'unusual-new-resources',
      w.unusualNewResources,
      `${c.history.newResourcesLastDay} never-used resources in a day, unlike their ${h.grantsInWindow} grants in the window`,
    );
  }
  if (settled && h.newFamily)
    add('outside-work', w.outsideWork, `${c.resource} is outside their usual work (no grant in its family before)`);
  // A sentence they always write is a habit; pasting it onto yet another family is what stands out.
  if (h.reasonFamilies >= t.pastedReasonFamilies && !h.reasonUsedOnFamily) {
    add('pasted-reason', w.pastedReason, `the same reason given before for ${families(h.reasonFamilies - 1, 'other')}, now for a new one`);
  }
  // Someone else's words for work that is not theirs: a sentence others wrote, never them, on a family new to them.
  if (c.reasonPeers !== undefined && c.reasonPeers >= t.borrowedReasonPeople && h.newFamily && !h.reasonUsedBefore) {
    add(
      'borrowed-reason',
      w.borrowedReason,
      `the same reason was given by ${c.reasonPeers >= REASON_PEERS_CAP ? `${REASON_PEERS_CAP} or more` : c.reasonPeers} other people in the last ${formatDuration(t.historyWindow)}, never by them, for a resource family new to them`,
    );
  }
  if (h.anomalousSessions) {
    const a = h.anomalousSessions;
    add('session-anomaly', w.sessionAnomaly, alertedGrants(a.count, c.resource, a.lastMsAgo));
  }
  // An alert during their own session on another resource: the same person, days later, elsewhere. The same-resource
  // factor above is the stronger one, so this one counts only when that one did not fire.
  if (h.anomalousSessionsElsewhere && !h.anomalousSessions) {
    const a = h.anomalousSessionsElsewhere;
    const on =
      a.resources.length <= 2 ? a.resources.join(' and ') : `${a.resources.slice(0, 2).join(', ')} and ${a.resources.length - 2} more`;
    add('session-anomaly-elsewhere', w.sessionAnomalyElsewhere, alertedGrants(a.count, on, a.lastMsAgo));
  }
  if (h.usualDurationMs !== null && c.durationMs >= t.durationHabitRatio * h.usualDurationMs) {
    add(
      'duration-habit',
      w.durationVsHabit,
      `${formatDuration(c.durationMs)}, they usually take ${formatDuration(h.usualDurationMs)} on ${c.resource}`,
    );
  }
  const u = h.usualApprover;
  if (u && u.approved >= t.approverMinApprovals && u.approved / u.of >= t.approverShare && u.medianMs <= t.fastApproval) {
    add(
      'approver-concentration',
      w.approverConcentration,
      `${u.email} approved ${u.approved} of their ${u.of} approvals, median ${formatDuration(Math.max(1000, Math.round(u.medianMs / 1000) * 1000))}: another approver is needed`,
      u.email,
    );
  } else if (u && c.usualApproverRecord) {
    rubberStamp(policy, u.email, c.usualApproverRecord, add);
  }
}

/**
 * The approver who approves most of their requests never says no, or waves high-risk requests through: their
 * approval of this one is weak evidence. Judged over the approver's latest decisions in the history window
 * (any requester), as the weekly approver report judges a week. Concentration, which already names the approver
 * and reroutes, takes precedence.
 */
/** "2 other resource families", "1 other resource family": counts on the card read as written. */
function families(n: number, kind: string): string {
  return `${n} ${kind} resource ${n === 1 ? 'family' : 'families'}`;
}

function rubberStamp(policy: Policy, approver: string, r: ApproverRecord, add: Add): void {
  const t = policy.risk.thresholds;
  const signs: string[] = [];
  if (r.decisions >= t.neverDeniesDecisions && r.denials === 0)
    signs.push(
      r.decisions >= APPROVER_RECORD_DECISIONS
        ? `never denied in their last ${r.decisions} decisions`
        : `never denied in ${r.decisions} decisions over ${formatDuration(t.historyWindow)}`,
    );
  if (r.highRiskApprovals >= t.approverMinApprovals && r.highRiskMedianMs !== null && r.highRiskMedianMs <= t.fastApproval) {
    const median = formatDuration(Math.max(1000, Math.round(r.highRiskMedianMs / 1000) * 1000));
    signs.push(`approves high-risk requests in a median ${median} (${r.highRiskApprovals} of them)`);
  }
  if (signs.length === 0) return;
  add(
    'approver-rubber-stamp',
    policy.risk.factors.approverRubberStamp,
    `their usual approver ${approver} ${signs.join(' and ')}`,
    approver,
  );
}

/**
 * Routine: grants on this resource that ended cleanly (cleanHistoryGrants or more), no step up, and a window
 * shorter than durationHabitRatio times their usual one there (at that ratio, duration-habit fires). A leaver
 * handing over work does this; a leaver taking data asks for what they never used, or for longer.
 */
function routineRequest(policy: Policy, c: HabitContext): boolean {
  const t = policy.risk.thresholds;
  if (c.history.cleanGrantsOnResource < t.cleanHistoryGrants || !c.habits || c.habits.stepUp) return false;
  const usual = c.habits.usualDurationMs;
  return usual === null || c.durationMs < t.durationHabitRatio * usual;
}

/** Departure context: someone whose last day is near (or past); a routine request of theirs scores no points for it. */
export function departureFactor(policy: Policy, c: HabitContext, add: Add): void {
  const leave = leaveDateOf(policy, c.person, c.requester);
  if (c.person && !c.person.active) {
    add('departure', policy.risk.factors.departure, 'the directory lists them as deactivated');
    return;
  }
  if (!leave) return;
  const ahead = leave.getTime() - c.at.getTime();
  if (ahead <= policy.risk.thresholds.departureWindow) {
    const when = ahead < 0 ? 'their leave date has passed' : untilLastDay(leave, c.at);
    if (routineRequest(policy, c)) add('departure', 0, `${when}, but this repeats their routine on ${c.resource} (handover work)`);
    else add('departure', policy.risk.factors.departure, when);
  }
}

/** "leaving in 10 day(s) (last day 2026-12-18)", counted in calendar days (UTC, as leave dates are); "today is their last day" on it. */
function untilLastDay(leave: Date, at: Date): string {
  const lastDay = leave.toISOString().slice(0, 10);
  const days = Math.round((Date.parse(lastDay) - Date.parse(at.toISOString().slice(0, 10))) / DAY_MS);
  return days <= 0 ? `today is their last day (${lastDay})` : `leaving in ${days} day(s) (last day ${lastDay})`;
}

/** "an anomaly alert fired during 2 of their grants on orders-db 3d ago" (the age to the minute, at least 1m). */
function alertedGrants(count: number, on: string, lastMsAgo: number): string {
  const ago = formatDuration(Math.max(60_000, Math.round(lastMsAgo / 60_000) * 60_000));
  return `an anomaly alert fired during ${count === 1 ? 'their grant' : `${count} of their grants`} on ${on} ${ago} ago`;
}
