import type { Policy, Tier } from '../policy/schema.js';
import type { RiskFactor } from '../types.js';

/**
 * The groups that may approve a request of this tier. When its usual approver is the concentrated one
 * (approver-concentration) and one approval completes it, that approver may not approve it alone
 * (approval/rules.ts), so the request also goes to `risk.approverFallback`: someone outside the usual pair
 * can decide it even when the concentrated approver is the only other member of the tier's groups.
 * Tiers needing two or more approvals keep their groups (the concentrated approver is never alone there,
 * and widening distinct-group tiers would weaken them).
 */
export function approverGroupsFor(policy: Policy, tier: Tier, factors: readonly RiskFactor[]): string[] {
  const fallback = policy.risk.approverFallback;
  const concentrated = factors.some((f) => f.id === 'approver-concentration' && f.approver);
  if (!concentrated || tier.approvals !== 1 || fallback.length === 0) return [...tier.approvers];
  return [...new Set([...tier.approvers, ...fallback])];
}
