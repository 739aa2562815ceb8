import type { GroupMembers } from '../ports/directory.js';

export interface MembershipChange {
  group: string;
  added: string[];
  removed: string[];
}

/** Active members' e-mails per group reference. */
export function activeMembers(groups: readonly GroupMembers[]): Map<string, string[]> {
  return new Map(groups.map((g) => [g.ref, [...new Set(g.members.filter((m) => m.active).map((m) => m.email.toLowerCase()))].sort()]));
}

/** Who joined and left each watched group between two views of the same source (groups absent from both are skipped). */
export function diffMembership(
  before: ReadonlyMap<string, readonly string[]>,
  after: ReadonlyMap<string, readonly string[]>,
  watched: ReadonlySet<string>,
): MembershipChange[] {
  const changes: MembershipChange[] = [];
  for (const group of watched) {
    if (!before.has(group) && !after.has(group)) continue;
    const old = new Set(before.get(group) ?? []);
    const now = new Set(after.get(group) ?? []);
    const added = [...now].filter((e) => !old.has(e)).sort();
    const removed = [...old].filter((e) => !now.has(e)).sort();
    if (added.length > 0 || removed.length > 0) changes.push({ group, added, removed });
  }
  return changes;
}
