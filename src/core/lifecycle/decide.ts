import { approvalProgress, checkApprover } from '../approval/rules.js';
import { withRefusalAudit } from '../audit/refusals.js';
import { checkIdentity } from '../directory/identity-gate.js';
import type { StoreTx } from '../ports/store.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest, Decision } from '../types.js';
import { activationLease, runActivation } from './activate.js';
import type { CoreDeps } from './deps.js';
import { rememberApprovals } from './known-approvals.js';
import { announce } from './notify.js';
import { outsideTextRefusal } from './outside-text.js';
import { pilotDetail } from './pilot.js';

/** pending → timed_out, as the approval-timeout sweep does it (one conditional update plus its audit event). */
async function timeOutNow(tx: StoreTx, request: AccessRequest, now: Date): Promise<AccessRequest | undefined> {
  const row = await tx.transition(request.id, ['pending'], { status: 'timed_out', decidedAt: now, remindAt: null });
  if (row) {
    tx.appendAudit({
      at: now,
      actor: 'keycard',
      action: 'request.timed_out',
      requestId: request.id,
      details: { ref: `KC-${request.number}`, atDecision: true },
    });
  }
  return row;
}

export interface DecideInput {
  number: number;
  actor: string;
  decision: Decision;
  comment: string;
}

export interface DecideOutcome {
  request: AccessRequest;
  /** True when this decision completed the approval (or denied the request). */
  final: boolean;
  counted: number;
  required: number;
}

/**
 * Records an approve/deny under the tier's rules. The request row is locked for the whole check, so
 * concurrent clicks serialise: exactly one decision completes it. Refused attempts are audited and change nothing else.
 */
export function decide(deps: CoreDeps, input: DecideInput): Promise<Result<DecideOutcome>> {
  return withRefusalAudit(deps, input.decision, input, () => decideOnce(deps, input));
}

async function decideOnce(deps: CoreDeps, input: DecideInput): Promise<Result<DecideOutcome>> {
  const policy = deps.policy();
  const actor = input.actor.toLowerCase();
  const now = deps.clock.now();
  const unknown = await checkIdentity(deps, actor, input.decision);
  if (unknown) return unknown;
  const badText = outsideTextRefusal(input.decision === 'deny' ? 'reason for the denial' : 'comment', input.comment);
  if (badText) return badText;

  let expired: AccessRequest | undefined;
  const result = await deps.store.transaction(async (tx): Promise<Result<DecideOutcome>> => {
    // Found and locked in one statement; concurrent decisions on the request queue here.
    const request = await tx.lockRequestByNumber(input.number);
    if (!request) return refuse('not_found', `KC-${input.number} does not exist.`);
    if (input.decision === 'deny' && !input.comment.trim()) {
      return refuse('reason_required', 'A denial needs a reason, so the requester knows what to change.');
    }
    if (request.status === 'pending' && request.approvalExpiresAt && request.approvalExpiresAt.getTime() <= now.getTime()) {
      // Past the approval TTL the request is over even if the sweep has not run yet: it times out now, and the
      // late decision is refused (and audited) instead of granting access nobody approved in time.
      expired = await timeOutNow(tx, request, now);
      tx.appendAudit({
        at: now,
        actor,
        action: 'approval.refused',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, decision: input.decision, code: 'approval_expired', status: 'timed_out' },
      });
      return refuse(
        'approval_expired',
        `KC-${request.number} timed out at ${request.approvalExpiresAt.toISOString()} waiting for approval, before your ${input.decision === 'approve' ? 'approval' : 'denial'}; nothing was granted. ${request.requester} can request again.`,
      );
    }
    const approvals = await tx.listApprovals(request.id);
    const check = checkApprover(policy, request, approvals, actor, input.decision);
    if (!check.ok) {
      tx.appendAudit({
        at: now,
        actor,
        action: 'approval.refused',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, decision: input.decision, code: check.code, status: request.status },
      });
      return check;
    }
    const inserted = await tx.insertApproval({
      requestId: request.id,
      approver: actor,
      decision: input.decision,
      groups: check.value,
      comment: input.comment || null,
      createdAt: now,
    });
    if (inserted === 'duplicate') {
      tx.appendAudit({
        at: now,
        actor,
        action: 'approval.refused',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, code: 'duplicate_approver' },
      });
      return refuse('duplicate_approver', `You already decided on KC-${request.number}.`);
    }
    if (input.decision === 'deny') {
      const denied = await tx.transition(request.id, ['pending'], {
        status: 'denied',
        decidedAt: now,
        decisionNote: input.comment,
        remindAt: null,
        approvalExpiresAt: null,
      });
      if (!denied) return refuse('not_pending', `KC-${request.number} was decided a moment ago.`);
      tx.appendAudit({
        at: now,
        actor,
        action: 'request.denied',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, reason: input.comment, groups: check.value, ...pilotDetail(request) },
      });
      return ok({
        request: rememberApprovals(denied, [...approvals, inserted]),
        final: true,
        counted: 0,
        required: request.approvalsRequired,
      });
    }
    const decided = [...approvals, inserted];
    const progress = approvalProgress(request, decided);
    tx.appendAudit({
      at: now,
      actor,
      action: 'approval.recorded',
      requestId: request.id,
      details: {
        ref: `KC-${request.number}`,
        groups: check.value,
        counted: progress.counted,
        required: progress.required,
        comment: input.comment || null,
        ...pilotDetail(request),
      },
    });
    if (!progress.satisfied) {
      return ok({ request: rememberApprovals(request, decided), final: false, counted: progress.counted, required: progress.required });
    }
    // The approving update also takes the activation lease, so the grant below needs no claim of its own.
    const approved = await tx.transition(request.id, ['pending'], {
      status: 'approved',
      decidedAt: now,
      decisionNote: input.comment || null,
      remindAt: null,
      ...activationLease(deps, request.attempts, now),
    });
    if (!approved) return refuse('not_pending', `KC-${request.number} was decided a moment ago.`);
    tx.appendAudit({
      at: now,
      actor,
      action: 'request.approved',
      requestId: request.id,
      details: { ref: `KC-${request.number}`, approvers: [...approvals.map((a) => a.approver), actor], ...pilotDetail(request) },
    });
    return ok({ request: rememberApprovals(approved, decided), final: true, counted: progress.counted, required: progress.required });
  });

  if (expired) await announce(deps, expired, 'timed_out');
  if (!result.ok) return result;
  const { request, final } = result.value;
  // A denial, or a new approver on their record, changes what their next score reads; and the decision is on the
  // approver's own record (approver-rubber-stamp), which the next score of anyone they usually approve reads.
  deps.scoringCache?.invalidate(request.requester);
  deps.scoringCache?.invalidateApprover(actor);
  if (input.decision === 'deny') {
    await announce(deps, request, 'denied', { actor });
    return result;
  }
  if (!final) {
    await announce(deps, request, 'approval_recorded', { actor });
    return result;
  }
  await announce(deps, request, 'approved', { actor });
  const activated = await runActivation(deps, request);
  return ok({ ...result.value, request: activated ?? request });
}
