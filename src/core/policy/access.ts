import { ownEntry } from './own-entry.js';
import type { Policy, ResourcePolicy, Tier, TierName } from './schema.js';
import { TIER_NAMES } from './schema.js';

/** Looks up what the policy says about one resource, with its derived defaults filled in. */
export interface ResolvedResource extends ResourcePolicy {
  name: string;
  levelNames: string[];
  defaultLevelName: string;
  maxTotal: number;
  noticeOffsets: number[];
}

const resolved = new WeakMap<Policy, Map<string, { source: ResourcePolicy; notices: number[]; value: ResolvedResource }>>();

/**
 * Kept per policy object and resource: a use case asks several times per request (about 14 µs each to
 * build). A resource entry or notice list replaced in the policy is resolved afresh. Callers must not
 * change the object they get.
 */
export function resolveResource(policy: Policy, name: string): ResolvedResource | undefined {
  const resource = ownEntry(policy.resources, name);
  if (!resource) return undefined;
  let byName = resolved.get(policy);
  if (!byName) {
    byName = new Map();
    resolved.set(policy, byName);
  }
  const held = byName.get(name);
  if (held && held.source === resource && held.notices === policy.notices.beforeExpiry) return held.value;
  const levelNames = Object.keys(resource.levels);
  const value: ResolvedResource = {
    ...resource,
    name,
    levelNames,
    defaultLevelName: resource.defaultLevel ?? levelNames[0]!,
    maxTotal: resource.maxTotalDuration ?? resource.maxDuration * 2,
    noticeOffsets: [...(resource.notices ?? policy.notices.beforeExpiry)].sort((a, b) => b - a),
  };
  byName.set(name, { source: resource, notices: policy.notices.beforeExpiry, value });
  return value;
}

/** The tier a score falls into. */
export function tierForScore(policy: Policy, score: number): TierName {
  for (const name of TIER_NAMES) {
    if (name === 'critical') return name;
    const upTo = policy.tiers[name].upTo ?? 100;
    if (score <= upTo) return name;
  }
  return 'critical';
}

export function tierOf(policy: Policy, name: TierName): Tier {
  return policy.tiers[name];
}

/** Groups (by name) that contain this email. */
export function groupsOf(policy: Policy, email: string): string[] {
  const lower = email.toLowerCase();
  return Object.entries(policy.groups)
    .filter(([, members]) => members.includes(lower))
    .map(([name]) => name);
}

export function isMember(policy: Policy, group: string, email: string): boolean {
  return policy.groups[group]?.includes(email.toLowerCase()) ?? false;
}
