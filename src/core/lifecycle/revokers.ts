import { isMember } from '../policy/access.js';
import type { Policy } from '../policy/schema.js';
import type { AccessRequest } from '../types.js';

type Grant = Pick<AccessRequest, 'tier' | 'approverGroups' | 'requester'>;

/**
 * The one definition of who may end, retry or review someone else's grant: the approvers of its tier (the
 * groups it was routed to, including an escalation group, and the tier's approver groups in the current
 * policy), and the policy's reviewers (alerts.reviewers, who also review break-glass grants). Every adapter
 * (Slack, Teams, console, CLI) reaches it through the use cases, so the answer is the same everywhere.
 */
export function revokerGroups(policy: Policy, grant: Grant): string[] {
  const tier = policy.tiers[grant.tier];
  const groups = new Set([...grant.approverGroups, ...(tier?.approvers ?? []), ...policy.alerts.reviewers]);
  if (tier?.escalateTo !== undefined) groups.add(tier.escalateTo);
  return [...groups];
}

/** May `actor` end (revoke), retry or review this grant although it is not theirs? */
export function mayRevokeOthers(policy: Policy, grant: Grant, actor: string): boolean {
  return revokerGroups(policy, grant).some((group) => isMember(policy, group, actor));
}

/** Everyone who may act on the grant for others (for escalations), never its holder. */
export function revokersOf(policy: Policy, grant: Grant): string[] {
  const people = new Set<string>();
  for (const group of revokerGroups(policy, grant)) for (const member of policy.groups[group] ?? []) people.add(member);
  people.delete(grant.requester);
  return [...people];
}
