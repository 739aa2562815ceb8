import { queryStanding } from '../rollout/standing-access.js';
import type { CoreDeps } from './deps.js';
import { auditReconcile, firstSighting } from './reconcile-effects.js';
import type { StandingItem } from './reconcile-types.js';

/**
 * Standing access to a resource's levels by principals Keycard did not create (a login made a member of a
 * level's group role, a binding to its role, an assignment of its permission set), from the provider's
 * inventory. Each finding is alerted and audited the first time it is seen; a target without an inventory
 * reports nothing here (keycard inventory says so).
 */
export async function reconcileStanding(
  deps: CoreDeps,
  resource: string,
  dryRun: boolean,
  now: Date,
): Promise<{ items: StandingItem[]; error?: string }> {
  const result = await queryStanding(deps, deps.policy(), resource);
  if (result.status === 'error') return { items: [], error: `inventory: ${result.message ?? 'failed'}` };
  if (result.status !== 'ok') return { items: [] };
  const items: StandingItem[] = [];
  for (const s of result.standing) {
    const key = `standing|${resource}|${s.level}|${s.principal}|${s.via}`;
    const isNew = !dryRun && (await firstSighting(deps, key, now));
    if (isNew) {
      await auditReconcile(deps, now, 'reconcile.standing_access', null, { resource, level: s.level, principal: s.principal, via: s.via });
    }
    items.push({ resource, level: s.level, principal: s.principal, via: s.via, isNew });
  }
  return { items };
}
