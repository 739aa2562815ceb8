import { withRefusalAudit } from '../audit/refusals.js';
import { formatDuration } from '../duration.js';
import { resolveResource } from '../policy/access.js';
import { type Result, refuse } from '../result.js';
import type { AccessRequest, RequestOrigin } from '../types.js';
import type { CoreDeps } from './deps.js';
import { outsideTextRefusal } from './outside-text.js';
import { submitRequest } from './submit.js';

/**
 * `extend KC-n 30m`: re-scored as an extension request that follows its tier's rules; once approved
 * it moves the grant's expiry. The whole window is capped by the resource's maxTotalDuration.
 */
export function requestExtension(
  deps: CoreDeps,
  input: { number: number; actor: string; durationMs: number; reason: string; origin: RequestOrigin },
): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, 'extend', input, () => requestExtensionOnce(deps, input));
}

async function requestExtensionOnce(
  deps: CoreDeps,
  input: { number: number; actor: string; durationMs: number; reason: string; origin: RequestOrigin },
): Promise<Result<AccessRequest>> {
  const actor = input.actor.toLowerCase();
  const badText = outsideTextRefusal('reason for the extension', input.reason);
  if (badText) return badText;
  const parent = await deps.store.getRequestByNumber(input.number);
  if (!parent) return refuse('not_found', `KC-${input.number} does not exist.`);
  if (parent.kind !== 'access') return refuse('not_a_grant', `KC-${input.number} is itself an extension request.`);
  if (parent.requester !== actor) return refuse('not_allowed', `Only ${parent.requester} can extend KC-${input.number}.`);
  if (parent.status !== 'active' || !parent.expiresAt || !parent.activatedAt) {
    return refuse(
      'not_active',
      `KC-${input.number} is not active (it is ${parent.status.replace('_', ' ')}); request access again instead.`,
    );
  }
  const resource = resolveResource(deps.policy(), parent.resource);
  if (!resource) return refuse('resource_removed', `${parent.resource} is no longer in the policy.`);
  if (input.durationMs > resource.maxDuration) {
    return refuse(
      'duration_too_long',
      `An extension can add at most ${formatDuration(resource.maxDuration)} at a time on ${parent.resource}.`,
    );
  }
  const usedMs = parent.expiresAt.getTime() - parent.activatedAt.getTime();
  const room = resource.maxTotal - usedMs;
  if (input.durationMs > room) {
    return refuse(
      'over_max_total',
      room >= 1000
        ? `That would exceed ${parent.resource}'s maximum total of ${formatDuration(resource.maxTotal)}; you can extend KC-${input.number} by at most ${formatDuration(room)}.`
        : `KC-${input.number} already runs for ${parent.resource}'s maximum total of ${formatDuration(resource.maxTotal)}; request access again when it ends.`,
    );
  }
  const pending = await deps.store.listRequests({ parentId: parent.id, statuses: ['pending', 'approved'] });
  if (pending.length > 0)
    return refuse('duplicate_pending', `KC-${pending[0]!.number} already asks to extend KC-${input.number}; wait for it.`);
  return submitRequest(deps, {
    requester: actor,
    resource: parent.resource,
    level: parent.level,
    durationMs: input.durationMs,
    reason: input.reason || `extend KC-${parent.number}: ${parent.reason}`,
    ...(parent.incidentKey ? { incidentKey: parent.incidentKey } : {}),
    origin: input.origin,
    kind: 'extension',
    parent,
  });
}
