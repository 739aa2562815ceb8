import type { Policy } from '../policy/schema.js';
import { familyOf } from './habits.js';

/** Lower-case words of a reason, keeping the characters resource names are made of (orders-db, k8s.prod). */
function words(reason: string): Set<string> {
  return new Set(
    reason
      .toLowerCase()
      .split(/[^a-z0-9._-]+/)
      .map((w) => w.replace(/^[._-]+|[._-]+$/g, ''))
      .filter(Boolean),
  );
}

/**
 * The policy resources a reason names, when none of them is the one requested (nor of its family): a reason
 * written for other work, pasted here ("fix stuck order in orders-db" for payments-db). Resources are matched
 * by their full name only, so an ordinary word ("orders") never counts. Empty when the reason names the
 * requested resource or its family, or no resource at all.
 */
export function otherResourcesNamed(policy: Policy, resource: string, reason: string): string[] {
  const said = words(reason);
  const family = familyOf(policy, resource);
  if (said.has(resource.toLowerCase()) || said.has(family.toLowerCase())) return [];
  return Object.keys(policy.resources)
    .filter((name) => name !== resource && said.has(name.toLowerCase()) && familyOf(policy, name) !== family)
    .sort();
}
