import { looksLikeDirectoryReference } from '../directory/references.js';
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
  const concentrated = factors.find((f) => f.id === 'approver-concentration' && f.approver)?.approver;
  if (!concentrated || tier.approvals !== 1 || fallback.length === 0) return [...tier.approvers];
  // Someone who could never approve this tier bars nobody here: widening it would only weaken the tier.
  if (!mayBeInGroups(policy, tier.approvers, concentrated)) return [...tier.approvers];
  return [...new Set([...tier.approvers, ...fallback])];
}

/** A policy group's members, or undefined for a directory group (slack:@handle, entra:…): its members are known only online. */
export function policyGroupMembers(policy: Policy, group: string): string[] | undefined {
  if (looksLikeDirectoryReference(group) || group.includes(':')) return undefined;
  return policy.groups[group] ?? [];
}

/** Whether `email` is, or may be, a member of one of `groups`: a policy group lists them, or a group is a directory group. */
function mayBeInGroups(policy: Policy, groups: readonly string[], email: string): boolean {
  const who = email.toLowerCase();
  return groups.some((g) => policyGroupMembers(policy, g)?.includes(who) ?? true);
}
