import type { StoreTx } from '../ports/store.js';
import type { AccessRequest, EndReason } from '../types.js';
import { cancelPendingExtensions } from './cancel-extensions.js';
import type { CoreDeps } from './deps.js';
import { announce } from './notify.js';
import { isPilot, pilotDetail } from './pilot.js';
import { describeError, providerInput } from './provider-input.js';

/** Moves an active grant to `revoking` (one conditional update + audit) and holds the revoke lease. */
export async function beginRevoke(
  deps: CoreDeps,
  tx: StoreTx,
  request: AccessRequest,
  endReason: EndReason,
  actor: string,
  now: Date,
  note?: string,
): Promise<AccessRequest | undefined> {
  const row = await tx.transition(request.id, ['active'], {
    status: 'revoking',
    endReason,
    endedBy: actor,
    attempts: 1,
    nextAttemptAt: new Date(now.getTime() + deps.settings.claimLeaseMs),
    nextNoticeAt: null,
    lastError: null,
    ...(note ? { decisionNote: note } : {}),
  });
  if (row) {
    await tx.appendAudit({
      at: now,
      actor,
      action: 'grant.revoking',
      requestId: request.id,
      details: { ref: `KC-${request.number}`, endReason, ...(note ? { note } : {}), ...pilotDetail(request) },
    });
  }
  return row;
}

/** Re-claims a grant stuck in revoking/revoke_failed for another attempt (inside the claiming transaction). */
export async function claimRevokeRetry(deps: CoreDeps, tx: StoreTx, request: AccessRequest, now: Date): Promise<AccessRequest> {
  return tx.update(request.id, { attempts: request.attempts + 1, nextAttemptAt: new Date(now.getTime() + deps.settings.claimLeaseMs) });
}

/**
 * Capped exponential backoff with jitter: ~5 s, 10 s, 20 s, … up to the policy's revocation.maxBackoff
 * (3 min by default), each ±25% so replicas and many failing grants do not retry in lockstep. Retries never
 * stop: a target that comes back is revoked within one interval.
 */
export function revokeBackoffMs(deps: CoreDeps, attempt: number): number {
  const cap = deps.policy().revocation.maxBackoff;
  const base = Math.min(cap, deps.settings.revokeBaseDelayMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.min(cap, Math.round(base * (0.75 + 0.5 * deps.random())));
}

/**
 * Calls the provider to revoke a claimed grant, verifies where the provider can, and only then
 * records it as revoked/expired. Failures are retried with backoff and escalated; a grant is never
 * marked revoked unless the provider confirmed it.
 */
export async function performRevoke(deps: CoreDeps, request: AccessRequest): Promise<AccessRequest | undefined> {
  // Whatever ends the grant (expiry, release, revoke, anomaly), its pending extensions end with it.
  await cancelPendingExtensions(deps, request, deps.clock.now());
  // A pilot grant was never made at the target, so ending it is only bookkeeping.
  if (isPilot(request)) return recordRevoked(deps, request, deps.clock.now());
  const provider = deps.providers.get(request.provider);
  const common = providerInput(deps, request);
  let failure: string | undefined;
  if (!provider) failure = `no provider "${request.provider}" is installed`;
  else if (!common.ok) failure = common.message;
  else {
    const input = { ...common.value, ref: request.grantRef, now: deps.clock.now() };
    try {
      await provider.revoke(input);
      if (!(await provider.verifyRevoked(input))) {
        failure = 'the provider still reports the grant after revoke';
      }
    } catch (error) {
      failure = describeError(error);
    }
  }
  const now = deps.clock.now();
  if (failure === undefined) return recordRevoked(deps, request, now);
  return recordRevokeFailure(deps, request, failure, now);
}

async function recordRevoked(deps: CoreDeps, request: AccessRequest, now: Date): Promise<AccessRequest | undefined> {
  const status = request.endReason === 'expired' ? 'expired' : 'revoked';
  const done = await deps.store.transaction(async (tx) => {
    const row = await tx.transition(request.id, ['revoking', 'revoke_failed'], {
      status,
      endedAt: now,
      nextAttemptAt: null,
      lastError: null,
    });
    if (row) {
      await tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: status === 'expired' ? 'grant.expired' : 'grant.revoked',
        requestId: request.id,
        details: {
          ref: `KC-${request.number}`,
          endReason: request.endReason,
          endedBy: request.endedBy,
          attempts: request.attempts,
          ...pilotDetail(request),
        },
      });
    }
    return row;
  });
  if (done) {
    deps.log.info({ requestId: request.id, ref: `KC-${request.number}`, status }, 'grant ended');
    await announce(deps, done, 'ended', request.endedBy ? { actor: request.endedBy } : {});
  }
  return done ?? deps.store.getRequest(request.id);
}

async function recordRevokeFailure(deps: CoreDeps, request: AccessRequest, error: string, now: Date): Promise<AccessRequest | undefined> {
  const { escalateAfter } = deps.policy().revocation;
  // Escalate once, on the failure that reaches the threshold; the grant keeps being retried after that.
  const escalate = request.attempts >= escalateAfter && request.status === 'revoking';
  deps.log.error({ requestId: request.id, ref: `KC-${request.number}`, attempt: request.attempts, err: error }, 'revoke failed');
  const row = await deps.store.transaction(async (tx) => {
    const nextAttemptAt = new Date(now.getTime() + revokeBackoffMs(deps, request.attempts));
    const updated = escalate
      ? await tx.transition(request.id, ['revoking'], { status: 'revoke_failed', lastError: error, nextAttemptAt })
      : await tx.update(request.id, { lastError: error, nextAttemptAt });
    if (updated) {
      // Every try is audited, so the log shows each attempt and when the next one is due.
      await tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: escalate ? 'grant.revoke_failed' : 'grant.revoke_retry_scheduled',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, attempt: request.attempts, error, nextAttemptAt: nextAttemptAt.toISOString() },
      });
    }
    return updated;
  });
  if (row && escalate) await announce(deps, row, 'revoke_failed');
  else if (row && request.attempts === 1) await announce(deps, row, 'revoke_retrying');
  return row;
}
