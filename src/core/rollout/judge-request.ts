import { approverGroupsFor } from '../approval/approver-groups.js';
import { checkDuration, planApproval } from '../lifecycle/plan.js';
import { resolveResource } from '../policy/access.js';
import type { Policy, TierName } from '../policy/schema.js';
import type { ResponderAnswer } from '../ports/incident-responders.js';
import { computeHabits, needsReasonPeers, ticketPatternOf, ticketsIn, usualApproverToCheck } from '../risk/habits.js';
import { assessAsSubmitted } from '../risk/risk-features.js';
import type { ApproverRecord, ApproverRecordQuery, ReasonPeersQuery, RequestKind } from '../types.js';
import { habitRecordsAsOf, historyAsOf, type RequesterPast } from './history-as-of.js';

/** What a replay knows organisation-wide, answering as the store's look-ups would have at the time. */
export interface OrganisationRecords {
  reasonPeers: (query: ReasonPeersQuery) => number;
  approverRecord: (query: ApproverRecordQuery) => ApproverRecord;
}

/** A request as it was asked, which is all a replay needs to decide it again. */
export interface RecordedRequest {
  id: string;
  ref: string;
  kind: RequestKind;
  requester: string;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  breakGlass: boolean;
  createdAt: Date;
  /**
   * The rotations through which the requester was on call when they asked, as recorded in the request's
   * factors. On-call is a fact of that moment (and may come from PagerDuty), not something a policy replays.
   */
  onCallVia: string[];
  /** Whether they were known to respond to the cited incident then (from the recorded incident factor; undefined: unknown). */
  incidentResponder: ResponderAnswer;
  /** Their own zone as the recorded time factor names it (directory or chat client), a fact of that moment like on-call. */
  ownZone: string | undefined;
}

export type RefusalCode = 'unknown_resource' | 'level_not_allowed' | 'duration_over_max' | 'duration_under_min' | 'break_glass_not_allowed';

/** How one policy would handle the request. */
export type Verdict =
  | { outcome: 'refused'; code: RefusalCode; message: string }
  | {
      outcome: 'routed';
      score: number;
      tier: TierName;
      /** Approvals needed (0 = auto-approved). */
      approvals: number;
      approvers: string[];
      autoApproved: boolean;
      /** A human decides before access (approval) or reviews right after (break-glass). */
      humanReview: boolean;
    };

/**
 * Decides a recorded request under `policy` exactly as submit would have at the time it was made: the
 * same resource/level/duration checks, the real risk engine with the requester's history as it stood
 * then (and the same steps as scoreRequest in lifecycle/score.ts: factors, then incident relief bounded
 * by the resource floor), and the tier's route. Pure: nothing is read or written.
 */
export function judgeRequest(policy: Policy, request: RecordedRequest, past: RequesterPast, org: OrganisationRecords): Verdict {
  const resource = resolveResource(policy, request.resource);
  if (!resource) return { outcome: 'refused', code: 'unknown_resource', message: `${request.resource} is not in the policy` };
  if (!resource.levelNames.includes(request.level)) {
    return {
      outcome: 'refused',
      code: 'level_not_allowed',
      message: `${request.resource} has no "${request.level}" level (levels: ${resource.levelNames.join(', ')})`,
    };
  }
  // An extension is bounded by maxDuration per step (and the total window, which a replay cannot see).
  const bounds = request.kind === 'access' ? resource : { minDuration: 0, maxDuration: resource.maxDuration };
  const duration = checkDuration(request.resource, request.durationMs, bounds);
  if (!duration.ok) {
    return {
      outcome: 'refused',
      code: duration.code === 'duration_too_short' ? 'duration_under_min' : 'duration_over_max',
      message: duration.message,
    };
  }
  const t = policy.risk.thresholds;
  const history = historyAsOf(
    past,
    {
      requester: request.requester,
      resource: request.resource,
      now: request.createdAt,
      historyWindowMs: t.historyWindow,
      denialWindowMs: t.denialWindow,
      velocityWindowMs: t.velocityWindow,
    },
    request.id,
  );
  const habits = computeHabits(policy, habitRecordsAsOf(past, request.createdAt, t.historyWindow, ticketPatternOf(policy), request.id), {
    at: request.createdAt,
    resource: request.resource,
    level: request.level,
    reason: request.reason,
    tickets: ticketsIn(request.reason, ticketPatternOf(policy), request.incidentKey),
  });
  const peers = needsReasonPeers(habits, request.reason)
    ? org.reasonPeers({ reason: request.reason, requester: request.requester, now: request.createdAt, windowMs: t.historyWindow })
    : undefined;
  const usual = usualApproverToCheck(policy, habits);
  const approverRecord = usual ? org.approverRecord({ approver: usual, now: request.createdAt, windowMs: t.historyWindow }) : undefined;
  const assessment = assessAsSubmitted(policy, {
    resource: request.resource,
    resourcePolicy: resource,
    level: request.level,
    durationMs: request.durationMs,
    reason: request.reason,
    incidentKey: request.incidentKey,
    breakGlass: request.breakGlass,
    kind: request.kind,
    at: request.createdAt,
    history,
    onCallVia: request.onCallVia,
    ...(request.incidentResponder !== undefined ? { incidentResponder: request.incidentResponder } : {}),
    requester: request.requester,
    ...(request.ownZone ? { person: { email: request.requester, active: true, timeZone: request.ownZone } } : {}),
    habits,
    ...(peers !== undefined ? { reasonPeers: peers } : {}),
    ...(approverRecord ? { usualApproverRecord: approverRecord } : {}),
  });
  const tier = policy.tiers[assessment.tier];
  const plan = planApproval(policy, tier, assessment, request.breakGlass, request.createdAt);
  if (!plan.ok) return { outcome: 'refused', code: 'break_glass_not_allowed', message: plan.message };
  return {
    outcome: 'routed',
    score: assessment.score,
    tier: assessment.tier,
    approvals: tier.approvals,
    approvers: approverGroupsFor(policy, tier, assessment.factors),
    autoApproved: plan.value.autoApproved,
    humanReview: !plan.value.autoApproved,
  };
}
