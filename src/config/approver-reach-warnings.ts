import { policyGroupMembers } from '../core/approval/approver-groups.js';
import { distinctGroupMatching } from '../core/approval/rules.js';
import { formatDuration } from '../core/duration.js';
import { type Policy, TIER_NAMES, type Tier } from '../core/policy/schema.js';
import type { PolicyFinding } from './policy-errors.js';

/** Everyone in these groups, or undefined when one of them is a directory group. */
function peopleIn(policy: Policy, groups: readonly string[]): Set<string> | undefined {
  const people = new Set<string>();
  for (const group of groups) {
    const members = policyGroupMembers(policy, group);
    if (!members) return undefined;
    for (const member of members) people.add(member);
  }
  return people;
}

/**
 * How many approvals people other than `excluded` can give a request routed to `groups`: one per person, or
 * with distinctGroups one per group, each from a different person (the matching approval/rules.ts counts with).
 */
function reachableApprovals(policy: Policy, groups: readonly string[], distinct: boolean, excluded: ReadonlySet<string>): number {
  const unique = [...new Set(groups)];
  const people = [...new Set(unique.flatMap((g) => policy.groups[g] ?? []))].filter((p) => !excluded.has(p));
  if (!distinct) return people.length;
  return distinctGroupMatching(people.map((p) => ({ groups: unique.filter((g) => policy.groups[g]?.includes(p)) })));
}

/** Whether some resource lets this person ask for it (a directory group in `requesters` might hold them). */
function mayRequest(policy: Policy, person: string): boolean {
  return Object.values(policy.resources).some(
    (r) => r.requesters === undefined || r.requesters.some((g) => policyGroupMembers(policy, g)?.includes(person) ?? true),
  );
}

/** What becomes of a request nobody at submission can complete (after "will"): escalateTo may still decide it at the reminder. */
function outcome(policy: Policy, tier: Tier, cannot: ReadonlySet<string>, needed: number): string {
  const ttl = formatDuration(tier.approvalTtl);
  const fallback = tier.escalateTo;
  if (fallback !== undefined && reachableApprovals(policy, [...tier.approvers, fallback], tier.distinctGroups, cannot) >= needed) {
    const after = tier.approvalTtl - tier.remindBefore;
    return `wait until escalateTo ${fallback} joins at the reminder (${after > 0 ? `${formatDuration(after)} after submission` : 'at once'}), and time out after ${ttl} if nobody there decides`;
  }
  return `never be approved and time out after ${ttl}${fallback === undefined ? '' : ` (escalateTo ${fallback} adds nobody who could approve them)`}`;
}

/**
 * Approver groups where a particular member can never be approved, or could end up so: nobody approves their
 * own request, so a tier's groups must hold `approvals` people besides each requester among them (from
 * distinct groups where the tier says so). And a one-approval request whose usual approver is concentrated
 * (approver-concentration) may not be approved by that approver alone; it goes to risk.approverFallback as
 * well (approver-groups.ts), which by default is empty. Directory groups are skipped: offline their members
 * are unknown.
 */
export function approverReachWarnings(policy: Policy): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const fallback = policy.risk.approverFallback;
  const fallbackPeople = peopleIn(policy, fallback);
  for (const name of TIER_NAMES) {
    const tier = policy.tiers[name];
    const needed = tier.approvals;
    const members = peopleIn(policy, tier.approvers);
    if (needed === 0 || !members) continue;
    if (tier.escalateTo !== undefined && !policyGroupMembers(policy, tier.escalateTo)) continue;
    const path = ['tiers', name, 'approvers'];
    const groups = tier.approvers.join(', ');
    // Fewer people than approvals is warned about for everyone (policy-warnings.ts); distinct groups can fall short with enough people.
    if (members.size < needed) continue;
    const overall = reachableApprovals(policy, tier.approvers, tier.distinctGroups, new Set());
    if (overall < needed) {
      findings.push({
        path,
        message: `needs ${needed} approvals from distinct groups, but one person per group among ${groups} gives at most ${overall}, so requests in this tier can never be approved`,
      });
      continue;
    }
    for (const person of members) {
      if (!mayRequest(policy, person)) continue;
      const self = new Set([person]);
      const reach = reachableApprovals(policy, tier.approvers, tier.distinctGroups, self);
      if (reach < needed) {
        const short = tier.distinctGroups
          ? `without them at most ${reach} of the ${needed} approvals can come from distinct groups`
          : `without them these groups have ${reach} member(s) for ${needed} approval(s)`;
        findings.push({
          path,
          message: `${person} cannot be approved by ${groups}: nobody approves their own request, and ${short}, so their requests in this tier will ${outcome(policy, tier, self, needed)}; add someone else to these groups, or another group to approvers`,
        });
        continue;
      }
      if (needed !== 1 || !fallbackPeople) continue;
      // One other possible approver: once they are the concentrated one, they may not approve alone.
      const others = [...new Set([...members, ...fallbackPeople])].filter((p) => p !== person);
      const [only] = others;
      if (others.length !== 1 || only === undefined) continue;
      const via =
        fallback.length === 0 ? 'risk.approverFallback is empty' : `risk.approverFallback (${fallback.join(', ')}) adds nobody else`;
      findings.push({
        path,
        message: `${person} has one possible approver in this tier, ${only}: if ${only} comes to approve most of their requests quickly (approver concentration: approverShare, fastApproval), ${only} may no longer approve them alone and ${via}, so their requests in this tier would then ${outcome(policy, tier, new Set([person, only]), 1)}; add a group with someone else to risk.approverFallback, or another member to ${groups}`,
      });
    }
  }
  return findings;
}
