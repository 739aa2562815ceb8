import type { Policy } from '../policy/schema.js';
import { SENSITIVITIES } from '../policy/schema.js';
import { median } from './median.js';

/**
 * What a requester usually does, from their own recent requests: the signals a score needs to judge a
 * request against the person's habits rather than against everybody's (escalation, unusual new
 * resources, pasted reasons, durations, hours, approvers). Pure: the store and the audit replay both
 * feed it the same records, so production and evaluation cannot drift apart.
 */

/** One earlier request of the requester, as the store or the audit log knows it. */
export interface PastRequest {
  at: number;
  resource: string;
  level: string;
  durationMs: number;
  /** normaliseReason() of the reason text. */
  reasonKey: string;
  /** Ticket keys the reason cites. */
  tickets: string[];
  granted: boolean;
  autoApproved: boolean;
  /** Who approved it and how long after submission (null when not approved by a person). */
  approver: string | null;
  decisionMs: number | null;
  /** Anomaly alerts raised during this request's grant so far. */
  anomalies: number;
}

export interface RequesterHabits {
  /** Earlier grants in the history window (how established the person's habits are). */
  grantsInWindow: number;
  /** Level or sensitivity above anything granted before on this resource family (null when nothing was). */
  stepUp: { from: string } | null;
  /** Climbs in level or sensitivity on this family within the escalation window, this request included. */
  escalationSteps: number;
  escalationPath: string[];
  /** The family of this resource was never granted to them before. */
  newFamily: boolean;
  /** Distinct resource families this exact reason was given for by them in the window, this request included. */
  reasonFamilies: number;
  /** They were granted this resource family before with this exact reason (in the window): a habit of theirs, not a paste. */
  reasonUsedOnFamily: boolean;
  /** They were granted something before with this exact reason (in the window), for any resource. */
  reasonUsedBefore: boolean;
  /** Their earlier grants on this resource within the session-anomaly window during which an anomaly alert fired. */
  anomalousSessions: { count: number; lastMsAgo: number } | null;
  /** The same for their grants on other resources: an alert during their own session elsewhere, recently. */
  anomalousSessionsElsewhere: { count: number; lastMsAgo: number; resources: string[] } | null;
  /** Median duration of their earlier grants on this resource (null with fewer than durationHabitGrants). */
  usualDurationMs: number | null;
  /**
   * Days in the history window on which they were granted access within habitHourWindow of this time of day
   * (granted, and one per day: cancelled or refused requests, or a burst in one evening, make no habit),
   * and their requests in the window in all.
   */
  sameHourDays: number;
  windowRequests: number;
  /** The person who approved most of their requests in the window, how often and how fast. */
  usualApprover: { email: string; approved: number; of: number; medianMs: number } | null;
  /** Their auto-approved requests within the auto-approve window. */
  autoApprovedRecently: number;
  /** For a cited ticket: how many families they cited it for, and how long ago they first did. */
  ticketReuse: { ticket: string; families: number; firstMsAgo: number } | null;
}

export interface CurrentRequest {
  at: Date;
  resource: string;
  level: string;
  reason: string;
  tickets: string[];
}

const DAY_MS = 86_400_000;

/** Lower-case words only, so the same sentence pasted twice compares equal. */
export function normaliseReason(reason: string): string {
  return reason
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The resource's family: the policy's `family`, else its name without the last dash-part (orders-db → orders). */
export function familyOf(policy: Policy, resource: string): string {
  // Remembered per policy: a score asks it for every one of up to 500 earlier requests.
  let known = families.get(policy);
  if (!known) {
    known = new Map();
    families.set(policy, known);
  }
  let family = known.get(resource);
  if (family === undefined) {
    const declared = policy.resources[resource]?.family;
    const dash = resource.lastIndexOf('-');
    family = declared || (dash > 0 ? resource.slice(0, dash) : resource);
    known.set(resource, family);
  }
  return family;
}

const families = new WeakMap<Policy, Map<string, string>>();

function levelRank(policy: Policy, level: string): number {
  return policy.risk.levels[level] ?? 0;
}

function sensitivityRank(policy: Policy, resource: string): number {
  const s = policy.resources[resource]?.sensitivity;
  return s ? SENSITIVITIES.indexOf(s) : 0;
}

/** A request's place on the climb: sensitivity first, then level. */
function rank(policy: Policy, resource: string, level: string): number {
  return sensitivityRank(policy, resource) * 1000 + levelRank(policy, level);
}

/** The requester's habits as of `current.at`, from their earlier requests (any order, any age). */
export function computeHabits(policy: Policy, past: readonly PastRequest[], current: CurrentRequest): RequesterHabits {
  const t = policy.risk.thresholds;
  const now = current.at.getTime();
  const historySince = now - t.historyWindow;
  const family = familyOf(policy, current.resource);
  const currentRank = rank(policy, current.resource, current.level);
  const currentKey = normaliseReason(current.reason);
  const minuteOfDay = (ms: number) => Math.floor((ms % DAY_MS) / 60_000);
  const nowMinute = minuteOfDay(now);
  const habitHourMinutes = t.habitHourWindow / 60_000;

  let grantsInWindow = 0;
  let maxBefore = -1;
  let maxBeforeRequest: PastRequest | null = null;
  let newFamily = true;
  const reasonFamilies = new Set<string>([family]);
  let reasonUsedOnFamily = false;
  let reasonUsedBefore = false;
  let anomalousSessions = 0;
  let lastAnomalousAt = 0;
  let anomalousElsewhere = 0;
  let lastElsewhereAt = 0;
  const elsewhere = new Set<string>();
  const durations: number[] = [];
  const sameHourDays = new Set<number>();
  let windowRequests = 0;
  const approvers = new Map<string, number[]>();
  let approvedCount = 0;
  let autoApprovedRecently = 0;
  const ticketFamilies = new Map<string, { families: Set<string>; first: number }>();
  const climb: Array<{ at: number; rank: number; request: PastRequest }> = [];
  const labelOf = (p: PastRequest | null) => (p ? `${p.level} ${p.resource}` : '');
  for (const p of past) {
    // Only the history window counts (the store reads no further back), so replay and store agree. A request
    // recorded in the same millisecond came before this one (the store's read, and the replay's order, say so).
    if (p.at > now || p.at < historySince) continue;
    const pFamily = familyOf(policy, p.resource);
    const inWindow = true;
    if (inWindow) {
      windowRequests += 1;
      const gap = Math.abs(minuteOfDay(p.at) - nowMinute);
      // Days counted from twelve hours off this time of day, so one evening never straddles two of them.
      if (p.granted && Math.min(gap, 1440 - gap) <= habitHourMinutes) sameHourDays.add(Math.floor((p.at - now + DAY_MS / 2) / DAY_MS));
      if (p.reasonKey === currentKey && currentKey !== '') {
        // Every request that gave the sentence shows where it was pasted; only a granted one makes it their
        // own words (a request cancelled and sent again must not vouch for itself).
        reasonFamilies.add(pFamily);
        if (p.granted) {
          reasonUsedBefore = true;
          if (pFamily === family) reasonUsedOnFamily = true;
        }
      }
      if (p.anomalies > 0 && p.at >= now - t.sessionAnomalyWindow) {
        if (p.resource === current.resource) {
          anomalousSessions += 1;
          lastAnomalousAt = Math.max(lastAnomalousAt, p.at);
        } else {
          anomalousElsewhere += 1;
          lastElsewhereAt = Math.max(lastElsewhereAt, p.at);
          elsewhere.add(p.resource);
        }
      }
      if (p.approver !== null && p.decisionMs !== null) {
        approvedCount += 1;
        const list = approvers.get(p.approver) ?? [];
        list.push(p.decisionMs);
        approvers.set(p.approver, list);
      }
    }
    if (p.autoApproved && p.at >= now - t.autoApproveWindow) autoApprovedRecently += 1;
    for (const ticket of p.tickets) {
      // Only the tickets this request cites are judged for reuse.
      if (!current.tickets.includes(ticket)) continue;
      const entry = ticketFamilies.get(ticket) ?? { families: new Set<string>(), first: p.at };
      entry.families.add(pFamily);
      entry.first = Math.min(entry.first, p.at);
      ticketFamilies.set(ticket, entry);
    }
    if (!p.granted) continue;
    if (inWindow) grantsInWindow += 1;
    if (pFamily !== family) continue;
    newFamily = false;
    const r = rank(policy, p.resource, p.level);
    if (p.at >= now - t.escalationWindow) climb.push({ at: p.at, rank: r, request: p });
    else if (r > maxBefore) {
      maxBefore = r;
      maxBeforeRequest = p;
    }
    if (p.resource === current.resource && inWindow) durations.push(p.durationMs);
  }
  // Climbs within the escalation window: each request above everything granted on the family before it.
  climb.sort((a, b) => a.at - b.at);
  let top = maxBefore;
  let topRequest = maxBeforeRequest;
  let steps = 0;
  const path: string[] = maxBefore >= 0 ? [labelOf(maxBeforeRequest)] : [];
  for (const c of climb) {
    if (c.rank > top) {
      if (top >= 0) steps += 1;
      path.push(labelOf(c.request));
      top = c.rank;
      topRequest = c.request;
    }
  }
  const stepUp = top >= 0 && currentRank > top ? { from: labelOf(topRequest) } : null;
  if (stepUp) {
    steps += 1;
    path.push(`${current.level} ${current.resource}`);
  }
  let usualApprover: RequesterHabits['usualApprover'] = null;
  for (const [email, times] of approvers) {
    // A tie goes to the first e-mail in order, so the store (newest first) and the replay (oldest first) agree.
    const better =
      !usualApprover || times.length > usualApprover.approved || (times.length === usualApprover.approved && email < usualApprover.email);
    if (better) usualApprover = { email, approved: times.length, of: approvedCount, medianMs: median(times) ?? 0 };
  }
  let ticketReuse: RequesterHabits['ticketReuse'] = null;
  for (const ticket of current.tickets) {
    const entry = ticketFamilies.get(ticket);
    if (!entry) continue;
    const families = new Set(entry.families).add(family).size;
    if (!ticketReuse || families > ticketReuse.families) ticketReuse = { ticket, families, firstMsAgo: now - entry.first };
  }
  return {
    grantsInWindow,
    stepUp,
    escalationSteps: stepUp ? steps : 0,
    escalationPath: stepUp ? path : [],
    newFamily,
    reasonFamilies: currentKey === '' ? 0 : reasonFamilies.size,
    reasonUsedOnFamily,
    reasonUsedBefore,
    anomalousSessions: anomalousSessions > 0 ? { count: anomalousSessions, lastMsAgo: now - lastAnomalousAt } : null,
    anomalousSessionsElsewhere:
      anomalousElsewhere > 0 ? { count: anomalousElsewhere, lastMsAgo: now - lastElsewhereAt, resources: [...elsewhere].sort() } : null,
    usualDurationMs: durations.length >= t.durationHabitGrants ? median(durations) : null,
    sameHourDays: sameHourDays.size,
    windowRequests,
    usualApprover,
    autoApprovedRecently,
    ticketReuse,
  };
}

/**
 * Whether a score needs to know how many other people gave this reason (the borrowed-reason factor): only
 * for a reason the requester never gave before, on a resource family new to them. Everything else is
 * decided without the organisation-wide look-up, so most scores never make it.
 */
export function needsReasonPeers(habits: RequesterHabits | undefined, reason: string): boolean {
  return habits?.newFamily === true && !habits.reasonUsedBefore && normaliseReason(reason) !== '';
}

/**
 * The approver a score should look up for the approver-rubber-stamp factor: the one who approved most of the
 * requester's approvals (approverMinApprovals or more, approverShare or more of them), or undefined.
 */
export function usualApproverToCheck(policy: Policy, habits: RequesterHabits | undefined): string | undefined {
  const t = policy.risk.thresholds;
  const u = habits?.usualApprover;
  return u && u.approved >= t.approverMinApprovals && u.approved / u.of >= t.approverShare ? u.email : undefined;
}

/** Ticket keys a reason cites (the policy's ticket pattern), the incident key excluded. */
/** Compiled ticket patterns (a policy has one, a reload another): every score reads tickets twice. */
const compiled = new Map<string, RegExp>();

/** The global RegExp for a ticket pattern, compiled once (matchAll copies it, so sharing is safe). */
export function ticketRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= 16) compiled.clear();
    re = new RegExp(pattern, 'g');
    compiled.set(pattern, re);
  }
  return re;
}

export function ticketsIn(reason: string, pattern: string, incidentKey: string | null): string[] {
  const found: string[] = [];
  for (const match of reason.matchAll(ticketRegExp(pattern))) {
    if (match[0] !== '' && match[0].toUpperCase() !== incidentKey && !found.includes(match[0])) found.push(match[0]);
  }
  return found;
}

/**
 * The pattern tickets are read with: the policy's `risk.ticketPattern`, never at a place where an incident
 * key starts (`incidents.keyPattern`), so a second incident key (`INC-4212`) is not a ticket that vouches
 * for a vague reason or takes points off.
 */
export function ticketPatternOf(policy: Pick<Policy, 'risk' | 'incidents'>): string {
  return `(?!(?:${policy.incidents.keyPattern}))(?:${policy.risk.ticketPattern})`;
}
