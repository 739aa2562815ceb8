import { formatDuration } from '../duration.js';
import { resolveResource } from '../policy/access.js';
import type { Policy, Tier } from '../policy/schema.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest, RiskAssessment } from '../types.js';

export interface ApprovalPlan {
  status: 'pending' | 'approved';
  autoApproved: boolean;
  breakGlass: boolean;
  approvalExpiresAt: Date | null;
  remindAt: Date | null;
}

/** Decides how a scored request proceeds under its tier: auto-approve, break-glass, or wait for approvers. */
export function planApproval(policy: Policy, tier: Tier, assessment: RiskAssessment, breakGlass: boolean, now: Date): Result<ApprovalPlan> {
  if (tier.approvals === 0) {
    return ok({ status: 'approved', autoApproved: true, breakGlass: false, approvalExpiresAt: null, remindAt: null });
  }
  if (breakGlass) {
    if (!tier.breakGlass) {
      const allowed = (Object.keys(policy.tiers) as Array<keyof Policy['tiers']>).filter((name) => policy.tiers[name].breakGlass);
      return refuse(
        'break_glass_not_allowed',
        `Break-glass is not allowed for ${assessment.tier}-tier requests (risk ${assessment.score})${allowed.length ? `; the policy allows it for: ${allowed.join(', ')}` : ''}. Request normally to get an approval.`,
      );
    }
    return ok({ status: 'approved', autoApproved: false, breakGlass: true, approvalExpiresAt: null, remindAt: null });
  }
  const approvalExpiresAt = new Date(now.getTime() + tier.approvalTtl);
  const remind = approvalExpiresAt.getTime() - tier.remindBefore;
  return ok({
    status: 'pending',
    autoApproved: false,
    breakGlass: false,
    approvalExpiresAt,
    remindAt: remind > now.getTime() ? new Date(remind) : null,
  });
}

/** Checks a requested duration against the resource's bounds; a refusal quotes `typed`, the duration as the user wrote it. */
export function checkDuration(
  resource: string,
  durationMs: number,
  bounds: { minDuration: number; maxDuration: number },
  typed = formatDuration(durationMs),
): Result<number> {
  if (durationMs < bounds.minDuration) {
    return refuse('duration_too_short', `${typed} is shorter than ${resource}'s minimum of ${formatDuration(bounds.minDuration)}.`);
  }
  if (durationMs > bounds.maxDuration) {
    return refuse(
      'duration_too_long',
      `${typed} is longer than ${resource}'s maximum of ${formatDuration(bounds.maxDuration)}; ask for ${formatDuration(bounds.maxDuration)} or less and extend later if needed.`,
    );
  }
  return ok(durationMs);
}

/** Next expiry-notice time for a window: the earliest unsent offset shorter than the time left. */
export function nextNoticeAt(expiresAt: Date, offsets: number[], sent: number[], now: Date): Date | null {
  const remaining = expiresAt.getTime() - now.getTime();
  const candidates = offsets.filter((offset) => offset < remaining && !sent.includes(offset)).map((offset) => expiresAt.getTime() - offset);
  return candidates.length > 0 ? new Date(Math.min(...candidates)) : null;
}

/** The new expiry when an approved request folds into its parent grant; never shorter than now. */
export function mergedExpiry(parent: AccessRequest, child: AccessRequest, maxTotalMs: number, now: Date): Date {
  const current = parent.expiresAt?.getTime() ?? now.getTime();
  const started = parent.activatedAt?.getTime() ?? now.getTime();
  const cap = started + maxTotalMs;
  const wanted = child.kind === 'extension' ? current + child.durationMs : now.getTime() + child.durationMs;
  return new Date(Math.max(current, Math.min(wanted, cap)));
}

/**
 * What an Extend button adds: the grant's own duration, capped at the resource's maximum. The expiry
 * notice offers it and every platform's Extend button applies it, so they always agree.
 */
export function suggestedExtensionMs(policy: Policy, grant: { resource: string; durationMs: number }): number {
  const max = resolveResource(policy, grant.resource)?.maxDuration ?? grant.durationMs;
  return Math.min(grant.durationMs, max);
}
