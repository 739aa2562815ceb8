import { resolveResource } from '../../core/policy/access.js';
import type { Policy } from '../../core/policy/schema.js';

/** What an anomaly card's Extend adds: the grant's own duration, capped at the resource's maximum (what the expiry notice offers). */
export function suggestedExtensionMs(policy: Policy, grant: { resource: string; durationMs: number }): number {
  const max = resolveResource(policy, grant.resource)?.maxDuration ?? grant.durationMs;
  return Math.min(grant.durationMs, max);
}
