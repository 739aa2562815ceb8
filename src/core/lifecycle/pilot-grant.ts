import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { announce } from './notify.js';
import { recordActivation } from './record-activation.js';

/**
 * The pilot counterpart of a grant: the approved request becomes active with its real window and
 * notices, but no provider is called, no credential exists and no secret is needed. Expiry and
 * release later run the normal revoke path, which also skips the provider for a pilot request.
 */
export async function activatePilot(deps: CoreDeps, request: AccessRequest): Promise<AccessRequest | undefined> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + request.durationMs);
  const activated = await recordActivation(deps, request, {
    now,
    expiresAt,
    grantRef: null,
    fingerprint: null,
    details: { pilot: true, wouldGrant: { resource: request.resource, level: request.level, requester: request.requester } },
  });
  if (!activated) return deps.store.getRequest(request.id);
  deps.log.info(
    { requestId: request.id, ref: `KC-${request.number}`, expiresAt: expiresAt.toISOString(), pilot: true },
    'pilot: would grant (no provider called)',
  );
  await announce(deps, activated, 'activated');
  return activated;
}
