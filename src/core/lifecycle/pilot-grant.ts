import { resolveResource } from '../policy/access.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { announce } from './notify.js';
import { nextNoticeAt } from './plan.js';

/**
 * The pilot counterpart of a grant: the approved request becomes active with its real window and
 * notices, but no provider is called, no credential exists and no secret is needed. Expiry and
 * release later run the normal revoke path, which also skips the provider for a pilot request.
 */
export async function activatePilot(deps: CoreDeps, request: AccessRequest): Promise<AccessRequest | undefined> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + request.durationMs);
  const resource = resolveResource(deps.policy(), request.resource);
  const activated = await deps.store.transaction(async (tx) => {
    const row = await tx.transition(request.id, ['approved'], {
      status: 'active',
      activatedAt: now,
      expiresAt,
      grantRef: null,
      credentialFingerprint: null,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      noticesSent: [],
      nextNoticeAt: nextNoticeAt(expiresAt, resource?.noticeOffsets ?? [], [], now),
    });
    if (row) {
      await tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'grant.activated',
        requestId: request.id,
        details: {
          ref: `KC-${request.number}`,
          provider: request.provider,
          expiresAt: expiresAt.toISOString(),
          fingerprint: null,
          pilot: true,
          wouldGrant: { resource: request.resource, level: request.level, requester: request.requester },
        },
      });
    }
    return row;
  });
  if (!activated) return deps.store.getRequest(request.id);
  deps.log.info(
    { requestId: request.id, ref: `KC-${request.number}`, expiresAt: expiresAt.toISOString(), pilot: true },
    'pilot: would grant (no provider called)',
  );
  await announce(deps, activated, 'activated');
  return activated;
}
