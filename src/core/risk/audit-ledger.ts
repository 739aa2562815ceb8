import type { Policy, TierName } from '../policy/schema.js';
import type { ResponderAnswer } from '../ports/incident-responders.js';
import type { PersonAttributes } from '../ports/person.js';
import type { ApproverRecord, AuditInput, EndReason, RequesterHistory, RequestKind, RiskFactor } from '../types.js';
import { createApproverRecords } from './approver-records.js';
import {
  computeHabits,
  needsReasonPeers,
  normaliseReason,
  type PastRequest,
  type RequesterHabits,
  ticketPatternOf,
  ticketsIn,
  usualApproverToCheck,
} from './habits.js';
import { createHistoryTracker, type HistoryWindows } from './history-tracker.js';
import { endReason, submittedRequest, text } from './ledger-submission.js';
import { createReasonPeers } from './reason-peers.js';

/** What a replay can add to each request beyond the counts: habits, directory attributes, incident roles. */
export interface ReplayContext {
  policy: Policy;
  /** The directory as of the request (absent: unknown). */
  person?: (email: string, at: Date) => PersonAttributes | undefined;
  /** Whether `email` responds to incident `key` (absent or undefined: unknown). */
  responder?: (email: string, key: string, at: Date) => ResponderAnswer;
}

export interface RequestContext {
  habits: RequesterHabits;
  person?: PersonAttributes;
  incidentResponder?: ResponderAnswer;
  /** Other people who gave the same reason in the history window, when the score needs it (needsReasonPeers). */
  reasonPeers?: number;
  /** What their usual approver decided in the history window, when they have one (usualApproverToCheck). */
  usualApproverRecord?: ApproverRecord;
}

export type LedgerOutcome = 'pending' | 'auto_approved' | 'break_glass' | 'approved' | 'denied' | 'timed_out' | 'cancelled';

export interface LedgerAnomaly {
  at: Date;
  detector: string;
  severity: string;
  summary: string;
}

/** One request as the audit log tells it: what was asked, how it was scored and routed, and what came of it. */
export interface LedgerRequest {
  id: string;
  ref: string;
  requester: string;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  kind: RequestKind;
  breakGlass: boolean;
  /** Where it was asked (slack, teams, console), if recorded. */
  platform: string | null;
  /** On-call rotations the requester was on at submission, as its on-call factor recorded them. */
  onCallVia: string[];
  createdAt: Date;
  /** Score, tier and factors recorded at submission (under the policy in force then). */
  recorded: { score: number; tier: TierName; factors: RiskFactor[] };
  /** The requester history the store would have returned at submission. */
  history: RequesterHistory;
  outcome: LedgerOutcome;
  decidedAt: Date | null;
  approvers: string[];
  deniedBy: string | null;
  activatedAt: Date | null;
  endedAt: Date | null;
  endReason: EndReason | null;
  endedBy: string | null;
  failed: boolean;
  /** Anomaly alerts raised during this grant. */
  anomalies: LedgerAnomaly[];
  /** Habits and context at submission, when the ledger was given a ReplayContext. */
  context?: RequestContext;
}

export interface AuditLedger {
  /** Feeds the next audit event (in chain order). */
  apply(event: AuditInput): void;
  /** Requester history as the store would answer it now (before the next submission is recorded). */
  historyFor(requester: string, resource: string, now: Date): RequesterHistory;
  /** Requests in submission order. */
  requests(): LedgerRequest[];
  get(id: string): LedgerRequest | undefined;
}

/** Was this grant ended for cause: revoked by someone other than its requester? */
export function revokedForCause(request: LedgerRequest): boolean {
  return request.endReason === 'revoked' && request.endedBy !== null && request.endedBy !== request.requester;
}

/** Why a request counts as a "bad outcome" the calibration routes towards review, or null when it does not. */
export function badOutcomeKind(request: LedgerRequest): 'denied' | 'anomaly during the grant' | 'revoked for cause' | null {
  if (request.outcome === 'denied') return 'denied';
  if (request.anomalies.length > 0) return 'anomaly during the grant';
  if (revokedForCause(request)) return 'revoked for cause';
  return null;
}

/** A "bad outcome" the calibration routes towards review: denied, an anomaly during the grant, or revoked for cause. */
export function hadBadOutcome(request: LedgerRequest): boolean {
  return badOutcomeKind(request) !== null;
}

/**
 * Rebuilds requests and their outcomes from audit events alone (the log is the complete record), and
 * keeps the requester-history counts up to date as it goes, so every request carries the history
 * Keycard saw when it scored it. Unknown actions are ignored, so newer logs replay too.
 */
export function createAuditLedger(windows: HistoryWindows, replay?: ReplayContext): AuditLedger {
  const tracker = createHistoryTracker(windows);
  const pastByRequester = new Map<string, PastRequest[]>();
  const pastById = new Map<string, PastRequest>();
  const reasonPeers = createReasonPeers();
  // A request decided otherwise after someone approved it (denied by a second approver, timed out, cancelled)
  // still counts for that approver, as the store counts its latest approval once the request is decided.
  const decidedAfterApproval = (request: LedgerRequest, at: Date) => {
    const past = pastById.get(request.id);
    if (past?.approver) past.decisionMs = at.getTime() - request.createdAt.getTime();
  };
  const decisions = createApproverRecords();
  const remember = (request: LedgerRequest) => {
    if (!replay) return;
    const policy = replay.policy;
    const tickets = ticketsIn(request.reason, ticketPatternOf(policy), request.incidentKey);
    const list = pastByRequester.get(request.requester) ?? [];
    const habits = computeHabits(policy, list, {
      at: request.createdAt,
      resource: request.resource,
      level: request.level,
      reason: request.reason,
      tickets,
    });
    const person = replay.person?.(request.requester, request.createdAt);
    const responder = request.incidentKey ? replay.responder?.(request.requester, request.incidentKey, request.createdAt) : undefined;
    const at = request.createdAt.getTime();
    const reasonKey = normaliseReason(request.reason);
    const peers = needsReasonPeers(habits, request.reason)
      ? reasonPeers.count(reasonKey, request.requester, at - policy.risk.thresholds.historyWindow, at)
      : undefined;
    const usual = usualApproverToCheck(policy, habits);
    const approverRecord = usual ? decisions.record(usual, at - policy.risk.thresholds.historyWindow, at) : undefined;
    request.context = {
      habits,
      ...(person ? { person } : {}),
      ...(responder !== undefined ? { incidentResponder: responder } : {}),
      ...(peers !== undefined ? { reasonPeers: peers } : {}),
      ...(approverRecord ? { usualApproverRecord: approverRecord } : {}),
    };
    if (request.kind !== 'access') return;
    reasonPeers.add(reasonKey, request.requester, at);
    const past: PastRequest = {
      at,
      resource: request.resource,
      level: request.level,
      durationMs: request.durationMs,
      reasonKey,
      tickets,
      granted: false,
      autoApproved: false,
      approver: null,
      decisionMs: null,
      anomalies: 0,
    };
    list.push(past);
    pastByRequester.set(request.requester, list);
    pastById.set(request.id, past);
  };
  const list: LedgerRequest[] = [];
  const byId = new Map<string, LedgerRequest>();
  const byRef = new Map<string, LedgerRequest>();
  const activeByRequester = new Map<string, Set<LedgerRequest>>();

  const find = (event: AuditInput): LedgerRequest | undefined => {
    const direct = event.requestId ? byId.get(event.requestId) : undefined;
    if (direct) return direct;
    const id = text(event.details.requestId);
    if (id && byId.has(id)) return byId.get(id);
    const ref = text(event.details.ref);
    return ref ? byRef.get(ref) : undefined;
  };
  const activate = (request: LedgerRequest, at: Date) => {
    request.activatedAt ??= at;
    tracker.activated(request.id, at);
    const past = pastById.get(request.id);
    if (past) past.granted = true;
    let set = activeByRequester.get(request.requester);
    if (!set) {
      set = new Set();
      activeByRequester.set(request.requester, set);
    }
    set.add(request);
  };
  const end = (request: LedgerRequest, at: Date, status: 'expired' | 'revoked', reason: EndReason | null, by: string | null) => {
    request.endedAt = at;
    request.endReason = reason;
    request.endedBy = by ?? request.endedBy;
    tracker.ended(request.id, status, reason);
    activeByRequester.get(request.requester)?.delete(request);
  };

  return {
    apply(event) {
      const d = event.details;
      if (event.action === 'request.submitted' || event.action === 'extension.submitted') {
        const request = submittedRequest(event, (requester, resource) => tracker.history(requester, resource, event.at));
        if (!request || byId.has(request.id)) return;
        list.push(request);
        byId.set(request.id, request);
        byRef.set(request.ref, request);
        remember(request);
        tracker.submitted({ id: request.id, requester: request.requester, resource: request.resource, kind: request.kind, at: event.at });
        return;
      }
      if (event.action === 'anomaly.detected') {
        // The store counts anomalies by details.requester only; do the same.
        const requester = text(d.requester);
        if (requester) tracker.anomaly(requester.toLowerCase(), event.at);
        const anomaly: LedgerAnomaly = {
          at: event.at,
          detector: text(d.detector) ?? text(d.rule) ?? 'anomaly',
          severity: text(d.severity) ?? 'unknown',
          summary: text(d.summary) ?? text(d.message) ?? '',
        };
        const linked = find(event);
        if (linked) {
          linked.anomalies.push(anomaly);
          // The habit record counts only alerts linked to the grant, as the store's habitRecords query does.
          const past = pastById.get(linked.id);
          if (past) past.anomalies += 1;
        } else if (requester) for (const grant of activeByRequester.get(requester.toLowerCase()) ?? []) grant.anomalies.push(anomaly);
        return;
      }
      const request = find(event);
      if (!request) return;
      switch (event.action) {
        case 'request.auto_approved': {
          const past = pastById.get(request.id);
          if (past) past.autoApproved = true;
          request.outcome = 'auto_approved';
          request.decidedAt = event.at;
          break;
        }
        case 'request.break_glass':
          request.outcome = 'break_glass';
          request.breakGlass = true;
          request.decidedAt = event.at;
          break;
        case 'approval.recorded': {
          if (!request.approvers.includes(event.actor)) request.approvers.push(event.actor);
          // As the store reads a past request: its latest approver, whatever the outcome (timed at the decision).
          const past = pastById.get(request.id);
          if (past) past.approver = event.actor;
          decisions.add({
            approver: event.actor,
            at: event.at.getTime(),
            denied: false,
            tier: request.recorded.tier,
            submittedAt: request.createdAt.getTime(),
          });
          break;
        }
        case 'request.approved': {
          request.outcome = 'approved';
          request.decidedAt = event.at;
          const approvers = Array.isArray(d.approvers) ? d.approvers.filter((a): a is string => typeof a === 'string') : [];
          if (approvers.length > 0) request.approvers = approvers;
          const past = pastById.get(request.id);
          if (past) {
            past.approver = request.approvers[request.approvers.length - 1] ?? event.actor;
            past.decisionMs = event.at.getTime() - request.createdAt.getTime();
          }
          break;
        }
        case 'request.denied':
          request.outcome = 'denied';
          request.decidedAt = event.at;
          request.deniedBy = event.actor;
          decidedAfterApproval(request, event.at);
          tracker.denied(request.id);
          decisions.add({
            approver: event.actor,
            at: event.at.getTime(),
            denied: true,
            tier: request.recorded.tier,
            submittedAt: request.createdAt.getTime(),
          });
          break;
        case 'request.timed_out':
          request.outcome = 'timed_out';
          request.decidedAt = event.at;
          decidedAfterApproval(request, event.at);
          break;
        case 'request.cancelled':
          request.outcome = 'cancelled';
          request.decidedAt = event.at;
          decidedAfterApproval(request, event.at);
          break;
        case 'grant.activated':
          activate(request, event.at);
          break;
        case 'grant.extended': {
          // The extension (or overlapping request) folded into this grant was activated by being merged.
          const child = byRef.get(text(d.by) ?? '');
          if (child) activate(child, event.at);
          break;
        }
        case 'grant.failed':
          request.failed = true;
          break;
        case 'grant.revoking':
          request.endedBy = event.actor;
          request.endReason = endReason(d.endReason);
          break;
        case 'grant.expired':
          end(request, event.at, 'expired', endReason(d.endReason) ?? 'expired', text(d.endedBy) ?? null);
          break;
        case 'grant.revoked':
          end(request, event.at, 'revoked', endReason(d.endReason) ?? request.endReason, text(d.endedBy) ?? null);
          break;
      }
    },
    historyFor: (requester, resource, now) => tracker.history(requester, resource, now),
    requests: () => list,
    get: (id) => byId.get(id),
  };
}

/** Replays a whole audit log (in chain order) into a ledger. */
export function replayAudit(events: Iterable<AuditInput>, windows: HistoryWindows, replay?: ReplayContext): AuditLedger {
  const ledger = createAuditLedger(windows, replay);
  for (const event of events) ledger.apply(event);
  return ledger;
}
