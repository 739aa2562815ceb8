import type { Policy } from '../policy/schema.js';
import type { DirectorySourceName, SourceSnapshot, SourceStatus } from '../ports/directory.js';
import { hasLeft, type MergedPerson, mergePeople } from './people.js';
import { type DirectoryReference, directoryReferences } from './references.js';

/** Every group entry the policy names: approvers, escalation, approver fallback, alert reviewers, resource requesters. */
export function policyGroupEntries(policy: Policy): string[] {
  return [
    ...Object.values(policy.tiers).flatMap((tier) => [...tier.approvers, ...(tier.escalateTo ? [tier.escalateTo] : [])]),
    ...policy.risk.approverFallback,
    ...policy.alerts.reviewers,
    ...Object.values(policy.resources).flatMap((resource) => resource.requesters ?? []),
  ];
}

/** The directory references the policy uses, de-duplicated. */
export function policyReferences(policy: Policy): DirectoryReference[] {
  return directoryReferences(policyGroupEntries(policy));
}

/** Approver-like groups: whose membership change is audited (approvers, escalation, approver fallback, reviewers). */
export function approverGroupEntries(policy: Policy): Set<string> {
  return new Set([
    ...Object.values(policy.tiers).flatMap((tier) => [...tier.approvers, ...(tier.escalateTo ? [tier.escalateTo] : [])]),
    ...policy.risk.approverFallback,
    ...policy.alerts.reviewers,
  ]);
}

export interface SourceHealth {
  source: DirectorySourceName;
  lastError: string | null;
  /** Push sources (SCIM) are the database itself: always current. */
  push: boolean;
}

export interface ResolvedDirectory {
  /** The policy with every directory reference resolved to e-mails under `groups`, and leavers removed from every group. */
  policy: Policy;
  people: Map<string, MergedPerson>;
  statuses: SourceStatus[];
}

/**
 * Resolves directory references against the last snapshots, never widening access: a reference whose source
 * has no usable snapshot (never fetched, or failing for longer than `maxStalenessMs`) resolves to nobody, and
 * a person any source reports as gone is removed from every group, the policy's own included.
 */
export function resolveDirectory(
  policy: Policy,
  snapshots: readonly SourceSnapshot[],
  health: readonly SourceHealth[],
  now: Date,
  maxStalenessMs: number,
): ResolvedDirectory {
  const people = mergePeople(snapshots);
  const gone = (email: string) => {
    const person = people.get(email);
    return person !== undefined && hasLeft(person, now);
  };
  const statuses: SourceStatus[] = health.map(({ source, lastError, push }) => {
    const snapshot = snapshots.find((s) => s.source === source);
    if (!snapshot) return { source, state: 'never', lastSuccessAt: null, lastError, keepUntil: null };
    const keepUntil = new Date(snapshot.fetchedAt.getTime() + maxStalenessMs);
    const state = push || lastError === null ? 'fresh' : keepUntil.getTime() >= now.getTime() ? 'stale' : 'expired';
    return { source, state, lastSuccessAt: snapshot.fetchedAt, lastError, keepUntil: push ? null : keepUntil };
  });
  const usable = new Set(statuses.filter((s) => s.state === 'fresh' || s.state === 'stale').map((s) => s.source));

  const groups: Record<string, string[]> = {};
  for (const [name, members] of Object.entries(policy.groups)) groups[name] = members.filter((email) => !gone(email));
  for (const snapshot of snapshots) {
    if (!usable.has(snapshot.source)) continue;
    for (const group of snapshot.groups) {
      const emails = group.members.map((m) => m.email.toLowerCase()).filter((email) => !gone(email));
      groups[group.ref] = [...new Set(emails)];
    }
  }
  return { policy: { ...policy, groups }, people, statuses };
}
