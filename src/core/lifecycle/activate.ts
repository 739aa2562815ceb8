import { createHash } from 'node:crypto';
import { resolveResource } from '../policy/access.js';
import type { StoreTx } from '../ports/store.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { extendAtTarget } from './extend-at-target.js';
import { carryApprovals } from './known-approvals.js';
import { announce } from './notify.js';
import { isPilot, pilotDetail } from './pilot.js';
import { activatePilot } from './pilot-grant.js';
import { mergedExpiry, nextNoticeAt } from './plan.js';
import { describeError, grantInput, providerInput } from './provider-input.js';
import { recordActivation } from './record-activation.js';

/**
 * The activation lease as fields of the update that approves a request: whoever approves it holds the
 * lease and grants at once, with no second transaction to claim it. Should that process die, the
 * activation sweep takes the request over when the lease runs out.
 */
export function activationLease(deps: CoreDeps, attempts: number, now: Date): { attempts: number; nextAttemptAt: Date } {
  return { attempts: attempts + 1, nextAttemptAt: new Date(now.getTime() + deps.settings.claimLeaseMs) };
}

/** Takes the activation lease on an approved request inside a transaction; undefined if not ours to take. */
export async function claimActivation(deps: CoreDeps, tx: StoreTx, request: AccessRequest, now: Date): Promise<AccessRequest | undefined> {
  if (request.status !== 'approved') return undefined;
  if (request.nextAttemptAt && request.nextAttemptAt.getTime() > now.getTime()) return undefined;
  return tx.update(request.id, activationLease(deps, request.attempts, now));
}

/** Grants an approved request (or folds it into the grant it overlaps). Safe to call twice: only the lease holder proceeds. */
export async function activate(deps: CoreDeps, requestId: string): Promise<AccessRequest | undefined> {
  const now = deps.clock.now();
  const claimed = await deps.store.transaction(async (tx) => {
    const request = await tx.lockRequest(requestId);
    return request ? claimActivation(deps, tx, request, now) : undefined;
  });
  if (!claimed) return deps.store.getRequest(requestId);
  return runActivation(deps, claimed);
}

/** Does the provider work for a claimed approved request. */
export async function runActivation(deps: CoreDeps, request: AccessRequest): Promise<AccessRequest | undefined> {
  if (request.parentId) {
    const parent = await deps.store.getRequest(request.parentId);
    if (parent?.status === 'active') return mergeIntoParent(deps, request, parent);
    if (request.kind === 'extension') {
      return fail(deps, request, `KC-${parent?.number ?? '?'} ended before the extension was approved`);
    }
  }
  if (isPilot(request)) return activatePilot(deps, request);
  const common = providerInput(deps, request);
  if (!common.ok) return fail(deps, request, common.message);
  const provider = deps.providers.get(request.provider);
  if (!provider) return fail(deps, request, `no provider "${request.provider}" is installed`);

  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + request.durationMs);
  let outcome: Awaited<ReturnType<typeof provider.grant>>;
  try {
    outcome = await provider.grant(grantInput(common.value, expiresAt, now));
  } catch (error) {
    return grantFailed(deps, request, error);
  }
  const fingerprint = outcome.credential ? createHash('sha256').update(outcome.credential.secret).digest('hex') : null;
  const activated = carryApprovals(request, await recordActivation(deps, request, { now, expiresAt, grantRef: outcome.ref, fingerprint }));
  if (!activated) {
    // The request moved on while we granted (cancelled, or already handled elsewhere): leave nothing behind.
    const current = await deps.store.getRequest(request.id);
    if (current?.status !== 'active') {
      await provider.revoke({ ...common.value, ref: outcome.ref, now }).catch((error: unknown) => {
        deps.log.error({ requestId: request.id, err: describeError(error) }, 'could not clean up a grant made for a request that moved on');
      });
    }
    return current;
  }
  deps.log.info({ requestId: request.id, ref: `KC-${request.number}`, expiresAt: expiresAt.toISOString() }, 'grant active');
  await announce(deps, activated, 'activated', outcome.credential ? { credential: outcome.credential } : {});
  return activated;
}

async function mergeIntoParent(deps: CoreDeps, request: AccessRequest, parent: AccessRequest): Promise<AccessRequest | undefined> {
  const now = deps.clock.now();
  const resource = resolveResource(deps.policy(), request.resource);
  const expiresAt = mergedExpiry(parent, request, resource?.maxTotal ?? request.durationMs, now);
  // Extensions and overlap merges both come here: the target's own expiry moves first, or nothing moves.
  const moved = await extendAtTarget(deps, parent, expiresAt, now);
  if (!moved.ok) {
    if (moved.retryable && request.attempts < deps.settings.maxGrantAttempts) {
      return grantFailed(deps, request, new RetryableExtendError(moved.message));
    }
    return fail(deps, request, `${moved.message}. Keycard did not move the expiry; KC-${parent.number} still ends as before.`);
  }
  const result = await deps.store.transaction(async (tx) => {
    const locked = await tx.lockRequest(parent.id);
    if (locked?.status !== 'active') return undefined;
    const updatedParent = await tx.update(parent.id, {
      expiresAt,
      noticesSent: [],
      nextNoticeAt: nextNoticeAt(expiresAt, resource?.noticeOffsets ?? [], [], now),
    });
    const child = await tx.transition(request.id, ['approved'], {
      status: 'merged',
      activatedAt: now,
      expiresAt,
      endedAt: now,
      nextAttemptAt: null,
    });
    if (!child) return undefined;
    tx.appendAudit({
      at: now,
      actor: 'keycard',
      action: 'grant.extended',
      requestId: parent.id,
      details: {
        ref: `KC-${parent.number}`,
        by: `KC-${request.number}`,
        from: parent.expiresAt?.toISOString() ?? null,
        to: expiresAt.toISOString(),
        ...pilotDetail(parent),
      },
    });
    return { parent: updatedParent, child };
  });
  if (!result) return deps.store.getRequest(request.id);
  await announce(deps, result.child, 'merged');
  await announce(deps, result.parent, 'extended', { actor: request.requester });
  return result.child;
}

/** A passing failure while moving the target's expiry, retried like a grant (grantFailed reads `retryable`). */
class RetryableExtendError extends Error {
  readonly retryable = true;
}

async function grantFailed(deps: CoreDeps, request: AccessRequest, error: unknown): Promise<AccessRequest | undefined> {
  const message = describeError(error);
  const retryable = typeof error === 'object' && error !== null && 'retryable' in error && error.retryable === true;
  if (retryable && request.attempts < deps.settings.maxGrantAttempts) {
    const now = deps.clock.now();
    const delay = 5_000 * 2 ** (request.attempts - 1);
    deps.log.warn({ requestId: request.id, attempt: request.attempts, err: message }, 'grant failed; retrying');
    return deps.store.transaction(async (tx) => {
      const row = await tx.update(request.id, { lastError: message, nextAttemptAt: new Date(now.getTime() + delay) });
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'grant.retry_scheduled',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, attempt: request.attempts, error: message },
      });
      return row;
    });
  }
  // Best effort: a provider that failed half-way may have created something; revoke is idempotent.
  const provider = deps.providers.get(request.provider);
  const common = providerInput(deps, request);
  if (provider && common.ok) {
    await provider.revoke({ ...common.value, ref: null, now: deps.clock.now() }).catch(() => undefined);
  }
  return fail(deps, request, message);
}

async function fail(deps: CoreDeps, request: AccessRequest, message: string): Promise<AccessRequest | undefined> {
  const now = deps.clock.now();
  deps.log.error({ requestId: request.id, ref: `KC-${request.number}`, err: message }, 'grant failed');
  const failed = await deps.store.transaction(async (tx) => {
    const row = await tx.transition(request.id, ['approved'], { status: 'failed', lastError: message, endedAt: now, nextAttemptAt: null });
    if (row)
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'grant.failed',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, error: message, ...pilotDetail(request) },
      });
    return row;
  });
  if (failed) await announce(deps, failed, 'failed');
  return failed ?? deps.store.getRequest(request.id);
}
