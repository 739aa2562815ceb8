import { approvalProgress, concentratedApprover } from '../approval/rules.js';
import { isPilot } from '../lifecycle/pilot.js';
import type { TierName } from '../policy/schema.js';
import type { AccessRequest, Approval, EndReason, RequestKind, RequestStatus, RiskFactor } from '../types.js';
import { cardFactors } from './card-factors.js';

/** Platform-neutral facts about one request, rendered by each chat adapter. */
export interface RequestView {
  id: string;
  ref: string;
  number: number;
  kind: RequestKind;
  parentRef: string | null;
  requester: string;
  resource: string;
  resourceDescription: string;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  breakGlass: boolean;
  /**
   * Pilot mode: the workflow runs, but nothing is granted at the target (say so on every surface).
   * Optional so views built by hand (tests, previews) need not name it; absent means enforce.
   */
  pilot?: boolean;
  status: RequestStatus;
  score: number;
  tier: TierName;
  factors: RiskFactor[];
  /** What a card shows: every scored factor, largest first, then the zero-point routing notes (see card-factors.ts). */
  cardFactors: RiskFactor[];
  approvals: Array<{ approver: string; groups: string[]; at: Date; comment: string | null }>;
  approvalsCounted: number;
  approvalsRequired: number;
  approverGroups: string[];
  openGroups: string[];
  /** Who may not approve it alone (approver concentration); absent when nobody is barred. */
  notSoleApprover?: string;
  distinctGroups: boolean;
  deniedBy: string | null;
  decisionNote: string | null;
  approvalExpiresAt: Date | null;
  activatedAt: Date | null;
  expiresAt: Date | null;
  endedAt: Date | null;
  endReason: EndReason | null;
  endedBy: string | null;
  lastError: string | null;
  reviewRequired: boolean;
  reviewedBy: string | null;
  /** Buttons a card should offer in this state. */
  actions: Array<'approve' | 'deny'>;
  timezone: string;
  createdAt: Date;
}

export function requestRef(number: number): string {
  return `KC-${number}`;
}

export function toRequestView(
  request: AccessRequest,
  approvals: Approval[],
  context: { timezone: string; description?: string; parentNumber?: number | null },
): RequestView {
  const progress = approvalProgress(request, approvals);
  const denial = approvals.find((a) => a.decision === 'deny');
  return {
    id: request.id,
    ref: requestRef(request.number),
    number: request.number,
    kind: request.kind,
    parentRef: context.parentNumber ? requestRef(context.parentNumber) : null,
    requester: request.requester,
    resource: request.resource,
    resourceDescription: context.description ?? '',
    level: request.level,
    durationMs: request.durationMs,
    reason: request.reason,
    incidentKey: request.incidentKey,
    breakGlass: request.breakGlass,
    pilot: isPilot(request),
    status: request.status,
    score: request.score,
    tier: request.tier,
    factors: request.factors,
    cardFactors: cardFactors(request.factors),
    approvals: approvals
      .filter((a) => a.decision === 'approve')
      .map((a) => ({ approver: a.approver, groups: a.groups, at: a.createdAt, comment: a.comment })),
    approvalsCounted: progress.counted,
    approvalsRequired: request.approvalsRequired,
    approverGroups: request.approverGroups,
    openGroups: progress.openGroups,
    ...notSole(request),
    distinctGroups: request.distinctGroups,
    deniedBy: denial?.approver ?? null,
    decisionNote: request.decisionNote,
    approvalExpiresAt: request.approvalExpiresAt,
    activatedAt: request.activatedAt,
    expiresAt: request.expiresAt,
    endedAt: request.endedAt,
    endReason: request.endReason,
    endedBy: request.endedBy,
    lastError: request.lastError,
    reviewRequired: request.reviewRequired,
    reviewedBy: request.reviewedBy,
    actions: request.status === 'pending' ? ['approve', 'deny'] : [],
    timezone: context.timezone,
    createdAt: request.createdAt,
  };
}

function notSole(request: AccessRequest): { notSoleApprover?: string } {
  const approver = concentratedApprover(request);
  return approver && request.approvalsRequired <= 1 ? { notSoleApprover: approver } : {};
}
