import type { Policy } from '../policy/schema.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest, Approval } from '../types.js';

export type ApprovalRefusal =
  | 'self_approval'
  | 'not_an_approver'
  | 'duplicate_approver'
  | 'group_already_covered'
  | 'concentrated_approver'
  | 'not_pending';

export interface ApprovalProgress {
  /** Approvals that count toward the threshold (after distinct-group matching). */
  counted: number;
  required: number;
  satisfied: boolean;
  /** Approver groups still able to add a counted approval. */
  openGroups: string[];
}

/**
 * The approver who approves most of this requester's requests, fast (the approver-concentration factor
 * it was scored with): they may approve it together with someone else, never alone.
 */
export function concentratedApprover(request: Pick<AccessRequest, 'factors'>): string | undefined {
  return request.factors.find((f) => f.id === 'approver-concentration')?.approver;
}

/** The tier's approver groups that contain `email`. */
export function eligibleGroups(policy: Policy, request: Pick<AccessRequest, 'approverGroups'>, email: string): string[] {
  const lower = email.toLowerCase();
  return request.approverGroups.filter((group) => policy.groups[group]?.includes(lower));
}

/**
 * Largest set of approvals that can each be credited to a different group (bipartite matching
 * by augmenting paths; approver and group counts are tiny). `policy check` counts the approvals a
 * tier's members could give one another the same way (config/approver-reach-warnings.ts).
 */
export function distinctGroupMatching(approvals: ReadonlyArray<{ groups: readonly string[] }>): number {
  const owner = new Map<string, number>();
  const tryAssign = (index: number, seen: Set<string>): boolean => {
    for (const group of approvals[index]!.groups) {
      if (seen.has(group)) continue;
      seen.add(group);
      const current = owner.get(group);
      if (current === undefined || tryAssign(current, seen)) {
        owner.set(group, index);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (let i = 0; i < approvals.length; i += 1) if (tryAssign(i, new Set())) matched += 1;
  return matched;
}

export function approvalProgress(request: AccessRequest, approvals: Approval[]): ApprovalProgress {
  const approving = approvals.filter((a) => a.decision === 'approve');
  const counted = request.distinctGroups ? distinctGroupMatching(approving) : new Set(approving.map((a) => a.approver)).size;
  const openGroups = request.distinctGroups
    ? request.approverGroups.filter((group) => distinctGroupMatching([...approving, { groups: [group] } as Approval]) > counted)
    : request.approverGroups;
  return { counted, required: request.approvalsRequired, satisfied: counted >= request.approvalsRequired, openGroups };
}

/**
 * Separation of duties (DESIGN.md §1.4): nobody approves their own request, only members of the
 * tier's approver groups count, each approver counts once, and with distinctGroups every approval
 * must cover a group not covered yet.
 */
export function checkApprover(
  policy: Policy,
  request: AccessRequest,
  approvals: Approval[],
  actor: string,
  decision: 'approve' | 'deny',
): Result<string[], ApprovalRefusal> {
  const label = `KC-${request.number}`;
  if (request.status !== 'pending') {
    return refuse('not_pending', `${label} is already ${request.status.replace('_', ' ')}; nothing to ${decision}.`);
  }
  if (actor.toLowerCase() === request.requester) {
    return refuse(
      'self_approval',
      `You cannot ${decision} your own request ${label}; someone in ${request.approverGroups.join(' or ')} must.`,
    );
  }
  const groups = eligibleGroups(policy, request, actor);
  if (groups.length === 0) {
    return refuse(
      'not_an_approver',
      `${label} needs approval from ${request.approverGroups.join(', ')}; you are not in ${request.approverGroups.length > 1 ? 'any of those groups' : 'that group'}.`,
    );
  }
  if (approvals.some((a) => a.approver === actor.toLowerCase())) {
    return refuse('duplicate_approver', `You already approved ${label}; it needs another approver.`);
  }
  const concentrated = concentratedApprover(request);
  if (decision === 'approve' && concentrated === actor.toLowerCase()) {
    const others = approvals.filter((a) => a.decision === 'approve' && a.approver !== concentrated).length;
    // Their approval would complete the request with nobody else's: refused. Alongside another approver it counts.
    if (others === 0 && request.approvalsRequired <= 1) {
      return refuse(
        'concentrated_approver',
        `You approve most of ${request.requester}'s requests (approver concentration), so you cannot be the only approver of ${label}; someone else in ${request.approverGroups.join(' or ')} must approve it.`,
      );
    }
  }
  if (decision === 'approve' && request.distinctGroups) {
    const progress = approvalProgress(request, approvals);
    const adds = distinctGroupMatching([...approvals.filter((a) => a.decision === 'approve'), { groups } as Approval]) > progress.counted;
    if (!adds) {
      return refuse(
        'group_already_covered',
        `${label} already has an approval from ${groups.join(', ')}; it still needs one from ${progress.openGroups.join(' or ')}.`,
      );
    }
  }
  return ok(groups);
}
