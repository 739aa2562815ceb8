import { resolveResource } from '../policy/access.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { nextNoticeAt } from './plan.js';

/**
 * approved → active in one conditional update plus its audit event, with the grant's window and its
 * first expiry notice scheduled. Shared by real grants and pilot "would grant" records.
 */
export async function recordActivation(
  deps: CoreDeps,
  request: AccessRequest,
  grant: {
    now: Date;
    expiresAt: Date;
    grantRef: Record<string, unknown> | null;
    fingerprint: string | null;
    details?: Record<string, unknown>;
  },
): Promise<AccessRequest | undefined> {
  const { now, expiresAt } = grant;
  const resource = resolveResource(deps.policy(), request.resource);
  // The update and its audit event as one statement: atomic without a transaction's begin and commit.
  return deps.store.transitionAudited(
    request.id,
    ['approved'],
    {
      status: 'active',
      activatedAt: now,
      expiresAt,
      grantRef: grant.grantRef,
      credentialFingerprint: grant.fingerprint,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      noticesSent: [],
      nextNoticeAt: nextNoticeAt(expiresAt, resource?.noticeOffsets ?? [], [], now),
    },
    [
      {
        at: now,
        actor: 'keycard',
        action: 'grant.activated',
        requestId: request.id,
        details: {
          ref: `KC-${request.number}`,
          provider: request.provider,
          expiresAt: expiresAt.toISOString(),
          fingerprint: grant.fingerprint?.slice(0, 16) ?? null,
          ...grant.details,
        },
      },
    ],
  );
}
