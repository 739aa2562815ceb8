import { withRefusalAudit } from '../audit/refusals.js';
import { checkIdentity } from '../directory/identity-gate.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { carryApprovals, rememberApprovals } from './known-approvals.js';
import { announce } from './notify.js';
import { outsideTextRefusal } from './outside-text.js';
import { pilotDetail } from './pilot.js';
import { beginRevokeNow, claimRevokeRetry, performRevoke } from './revoke.js';
import { mayRevokeOthers } from './revokers.js';

/** May this person end someone else's grant? Defined once, in revokers.ts. */
export function canRevokeOthers(deps: CoreDeps, request: AccessRequest, actor: string): boolean {
  return mayRevokeOthers(deps.policy(), request, actor);
}

/**
 * `release` (the requester is done) or `revoke` (an approver or security ends it). Revokes at the
 * provider now; the grant is recorded as revoked only once the provider confirmed.
 */
export function endGrant(
  deps: CoreDeps,
  input: { number: number; actor: string; reason: string; mode: 'release' | 'revoke' },
): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, input.mode, input, () => endGrantOnce(deps, input));
}

async function endGrantOnce(
  deps: CoreDeps,
  input: { number: number; actor: string; reason: string; mode: 'release' | 'revoke' },
): Promise<Result<AccessRequest>> {
  const actor = input.actor.toLowerCase();
  const unknown = await checkIdentity(deps, actor, input.mode);
  if (unknown) return unknown;
  // With its approvals: the views of the ended grant show them, and they are final once it left pending.
  const found = await deps.store.getRequestWithApprovals(input.number);
  if (!found) return refuse('not_found', `KC-${input.number} does not exist.`);
  const request = rememberApprovals(found.request, found.approvals);
  const own = request.requester === actor;
  if (input.mode === 'release' && !own && !canRevokeOthers(deps, request, actor)) {
    return refuse('not_allowed', `KC-${input.number} is ${request.requester}'s grant; only they, its approvers or security can end it.`);
  }
  if (input.mode === 'revoke' && !canRevokeOthers(deps, request, actor)) {
    return refuse(
      'not_allowed',
      `Only KC-${input.number}'s approvers (${request.approverGroups.join(', ') || 'none'}) or the security reviewers can revoke it.`,
    );
  }
  if (request.status === 'pending' && own) return cancel(deps, { number: input.number, actor });
  if (request.kind === 'extension' || request.status === 'merged') {
    return refuse('not_a_grant', `KC-${input.number} is an extension request; release the grant it extends instead.`);
  }
  if (request.status !== 'active') {
    return refuse('not_active', `KC-${input.number} is not active (it is ${request.status.replace('_', ' ')}).`);
  }
  const now = deps.clock.now();
  const endReason = own && input.mode === 'release' ? 'released' : 'revoked';
  const claimed = carryApprovals(request, await beginRevokeNow(deps, request, endReason, actor, now, input.reason || undefined));
  if (!claimed) return refuse('not_active', `KC-${input.number} is already ending.`);
  const ended = await performRevoke(deps, claimed);
  return ok(ended ?? claimed);
}

export function cancel(deps: CoreDeps, input: { number: number; actor: string }): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, 'cancel', input, () => cancelOnce(deps, input));
}

async function cancelOnce(deps: CoreDeps, input: { number: number; actor: string }): Promise<Result<AccessRequest>> {
  const actor = input.actor.toLowerCase();
  const request = await deps.store.getRequestByNumber(input.number);
  if (!request) return refuse('not_found', `KC-${input.number} does not exist.`);
  if (request.requester !== actor) return refuse('not_allowed', `Only ${request.requester} can cancel KC-${input.number}.`);
  const now = deps.clock.now();
  const cancelled = await deps.store.transaction(async (tx) => {
    const row = await tx.transition(request.id, ['pending'], {
      status: 'cancelled',
      decidedAt: now,
      remindAt: null,
      approvalExpiresAt: null,
    });
    if (row)
      tx.appendAudit({
        at: now,
        actor,
        action: 'request.cancelled',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, ...pilotDetail(request) },
      });
    return row;
  });
  if (!cancelled)
    return refuse(
      'not_pending',
      `KC-${input.number} is not pending (it is ${request.status.replace('_', ' ')}); use release to end an active grant.`,
    );
  await announce(deps, cancelled, 'cancelled', { actor });
  return ok(cancelled);
}

/** Post-hoc review of a break-glass grant by a reviewer who is not the requester. */
export function review(deps: CoreDeps, input: { number: number; actor: string; comment: string }): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, 'review', input, () => reviewOnce(deps, input));
}

async function reviewOnce(deps: CoreDeps, input: { number: number; actor: string; comment: string }): Promise<Result<AccessRequest>> {
  const actor = input.actor.toLowerCase();
  const badText = outsideTextRefusal('review comment', input.comment);
  if (badText) return badText;
  const request = await deps.store.getRequestByNumber(input.number);
  if (!request) return refuse('not_found', `KC-${input.number} does not exist.`);
  if (!request.reviewRequired) return refuse('no_review', `KC-${input.number} was not a break-glass grant; it needs no review.`);
  if (request.reviewedBy) return refuse('already_reviewed', `KC-${input.number} was already reviewed by ${request.reviewedBy}.`);
  if (request.requester === actor) return refuse('self_review', 'You cannot review your own break-glass grant.');
  if (!canRevokeOthers(deps, request, actor))
    return refuse('not_allowed', `Only KC-${input.number}'s approvers or the security reviewers can review it.`);
  const now = deps.clock.now();
  const reviewed = await deps.store.transaction(async (tx) => {
    const locked = await tx.lockRequest(request.id);
    if (!locked || locked.reviewedBy) return undefined;
    const row = await tx.update(request.id, { reviewedBy: actor, reviewedAt: now });
    tx.appendAudit({
      at: now,
      actor,
      action: 'break_glass.reviewed',
      requestId: request.id,
      details: { ref: `KC-${request.number}`, comment: input.comment || null },
    });
    return row;
  });
  if (!reviewed) return refuse('already_reviewed', `KC-${input.number} was just reviewed by someone else.`);
  await announce(deps, reviewed, 'reviewed', { actor });
  return ok(reviewed);
}

/** The alert's Retry button: an approver or security reviewer retries a failing revoke now instead of waiting. */
export function retryRevokeNow(deps: CoreDeps, input: { number: number; actor: string }): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, 'retry', input, () => retryRevokeOnce(deps, input));
}

async function retryRevokeOnce(deps: CoreDeps, input: { number: number; actor: string }): Promise<Result<AccessRequest>> {
  const actor = input.actor.toLowerCase();
  const request = await deps.store.getRequestByNumber(input.number);
  if (!request) return refuse('not_found', `KC-${input.number} does not exist.`);
  if (!canRevokeOthers(deps, request, actor)) {
    // Refused like a decision by a non-approver: audited, nothing else changes.
    const at = deps.clock.now();
    await deps.store.transaction(async (tx) =>
      tx.appendAudit({
        at,
        actor,
        action: 'grant.revoke_retry_refused',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, code: 'not_allowed', status: request.status },
      }),
    );
    return refuse('not_allowed', `Only KC-${input.number}'s approvers or the security reviewers can retry its revocation.`);
  }
  if (request.status !== 'revoking' && request.status !== 'revoke_failed') {
    return refuse('not_revoking', `KC-${input.number} is ${request.status.replace('_', ' ')}; there is no revocation to retry.`);
  }
  const now = deps.clock.now();
  const claimed = await deps.store.transaction(async (tx) => {
    const locked = await tx.lockRequest(request.id);
    if (!locked || (locked.status !== 'revoking' && locked.status !== 'revoke_failed')) return undefined;
    // A live claim by another worker means a retry is already running.
    if (
      locked.status === 'revoking' &&
      locked.nextAttemptAt &&
      locked.nextAttemptAt > now &&
      locked.attempts > 0 &&
      locked.lastError === null
    )
      return undefined;
    tx.appendAudit({
      at: now,
      actor,
      action: 'grant.revoke_retry_requested',
      requestId: request.id,
      details: { ref: `KC-${request.number}` },
    });
    return claimRevokeRetry(deps, tx, locked, now);
  });
  if (!claimed) return refuse('busy', `KC-${input.number} is being revoked right now.`);
  const done = await performRevoke(deps, claimed);
  return ok(done ?? claimed);
}
