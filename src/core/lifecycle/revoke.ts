import type { StoreTx } from '../ports/store.js';
import type { AccessRequest, AuditInput, EndReason } from '../types.js';
import { cancelPendingExtensions } from './cancel-extensions.js';
import type { CoreDeps } from './deps.js';
import { carryApprovals } from './known-approvals.js';
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
  const row = await tx.transition(request.id, ['active'], revokingPatch(deps, endReason, actor, now, note));
  if (row) tx.appendAudit(revokingAudit(request, endReason, actor, now, note));
  return row;
}

/** `beginRevoke` on its own, outside a transaction: the update and its audit event are one statement. */
export function beginRevokeNow(
  deps: CoreDeps,
  request: AccessRequest,
  endReason: EndReason,
  actor: string,
  now: Date,
  note?: string,
): Promise<AccessRequest | undefined> {
  return deps.store.transitionAudited(request.id, ['active'], revokingPatch(deps, endReason, actor, now, note), [
    revokingAudit(request, endReason, actor, now, note),
  ]);
}

/**
 * `beginRevoke` for many grants in one transaction: one conditional update moves them all, and their
 * audit events are appended together at the end, so the chain's lock is held for one statement, not N.
 */
export async function beginRevokes(
  deps: CoreDeps,
  tx: StoreTx,
  requests: AccessRequest[],
  endReason: EndReason,
  actor: string,
  now: Date,
): Promise<AccessRequest[]> {
  const rows = await tx.transitionMany(
    requests.map((r) => r.id),
    ['active'],
    revokingPatch(deps, endReason, actor, now),
  );
  if (rows.length > 0) tx.appendAudits(rows.map((row) => revokingAudit(row, endReason, actor, now)));
  return rows;
}

function revokingPatch(deps: CoreDeps, endReason: EndReason, actor: string, now: Date, note?: string) {
  return {
    status: 'revoking' as const,
    endReason,
    endedBy: actor,
    attempts: 1,
    nextAttemptAt: new Date(now.getTime() + deps.settings.claimLeaseMs),
    nextNoticeAt: null,
    lastError: null,
    ...(note ? { decisionNote: note } : {}),
  };
}

function revokingAudit(request: AccessRequest, endReason: EndReason, actor: string, now: Date, note?: string): AuditInput {
  return {
    at: now,
    actor,
    action: 'grant.revoking',
    requestId: request.id,
    details: { ref: `KC-${request.number}`, endReason, ...(note ? { note } : {}), ...pilotDetail(request) },
  };
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

/** Runs the chat announcements of an ended grant: inline by default; the expiry pump runs them beside the next revokes. */
export type AnnounceRunner = (work: () => Promise<void>) => Promise<void>;

/** Records a revoke the target confirmed: one transaction each by default; the expiry pump batches them. */
export type RevokedRecorder = (request: AccessRequest, now: Date) => Promise<AccessRequest | undefined>;

export interface RevokeOptions {
  runAnnounce: AnnounceRunner;
  record: RevokedRecorder;
}

/**
 * Calls the provider to revoke a claimed grant, verifies where the provider can, and only then
 * records it as revoked/expired. Failures are retried with backoff and escalated; a grant is never
 * marked revoked unless the provider confirmed it.
 */
export async function performRevoke(
  deps: CoreDeps,
  request: AccessRequest,
  options: Partial<RevokeOptions> = {},
): Promise<AccessRequest | undefined> {
  const runAnnounce = options.runAnnounce ?? ((work) => work());
  const record = options.record ?? (async (row, at) => (await recordRevokedBatch(deps, [{ request: row, now: at }]))[0]);
  const ended = async (now: Date) => {
    const done = carryApprovals(request, await record(request, now));
    if (done?.status === 'expired' || done?.status === 'revoked') {
      deps.log.info({ requestId: request.id, ref: `KC-${request.number}`, status: done.status }, 'grant ended');
      await runAnnounce(() => announce(deps, done, 'ended', request.endedBy ? { actor: request.endedBy } : {}));
      return done;
    }
    return done ?? deps.store.getRequest(request.id);
  };
  // A pilot grant was never made at the target, so ending it is only bookkeeping.
  if (isPilot(request)) return endWithExtensions(deps, request, () => ended(deps.clock.now()));
  const failure = await revokeAtTarget(deps, request);
  // The target's answer is the moment the grant ended; the bookkeeping below does not delay the revoke.
  const now = deps.clock.now();
  return endWithExtensions(deps, request, () =>
    failure === undefined ? ended(now) : recordRevokeFailure(deps, request, failure, now, runAnnounce),
  );
}

/** Revokes at the target and verifies where the provider can: undefined when confirmed, else why not. */
async function revokeAtTarget(deps: CoreDeps, request: AccessRequest): Promise<string | undefined> {
  const provider = deps.providers.get(request.provider);
  if (!provider) return `no provider "${request.provider}" is installed`;
  const common = providerInput(deps, request);
  if (!common.ok) return common.message;
  const input = { ...common.value, ref: request.grantRef, now: deps.clock.now() };
  try {
    await provider.revoke(input);
    return (await provider.verifyRevoked(input)) ? undefined : 'the provider still reports the grant after revoke';
  } catch (error) {
    return describeError(error);
  }
}

/**
 * Whatever ends the grant (expiry, release, revoke, anomaly), its pending extensions end with it; done
 * after the call to the target, so it never adds to the time a credential stays valid.
 */
async function endWithExtensions(
  deps: CoreDeps,
  request: AccessRequest,
  record: () => Promise<AccessRequest | undefined>,
): Promise<AccessRequest | undefined> {
  await cancelPendingExtensions(deps, request, deps.clock.now());
  return record();
}

/**
 * Records confirmed revokes in one statement: one conditional update (a grant another replica already
 * recorded is skipped) that writes the audit events of the grants it moved. Returns the updated rows in
 * input order (undefined where the grant had already moved on).
 */
export async function recordRevokedBatch(
  deps: CoreDeps,
  items: ReadonlyArray<{ request: AccessRequest; now: Date }>,
): Promise<Array<AccessRequest | undefined>> {
  const moved = await deps.store.recordEndedAudited(
    items.map(({ request, now }) => ({ id: request.id, status: endStatusOf(request), endedAt: now })),
    items.map(({ request, now }) => revokedAudit(request, now)),
  );
  const byId = new Map(moved.map((row) => [row.id, row]));
  return items.map(({ request }) => byId.get(request.id));
}

const endStatusOf = (request: AccessRequest) => (request.endReason === 'expired' ? ('expired' as const) : ('revoked' as const));

/** The event of a confirmed end (grant.expired or grant.revoked). */
function revokedAudit(request: AccessRequest, now: Date): AuditInput {
  const status = endStatusOf(request);
  return {
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
  };
}

/** `recordRevokedBatch` inside a transaction the caller holds (the expiry pump claims the next grants in the same one). */
export async function recordRevokedIn(
  tx: StoreTx,
  items: ReadonlyArray<{ request: AccessRequest; now: Date }>,
): Promise<Array<AccessRequest | undefined>> {
  const moved = await tx.recordEnded(items.map(({ request, now }) => ({ id: request.id, status: endStatusOf(request), endedAt: now })));
  const byId = new Map(moved.map((row) => [row.id, row]));
  const events = items.flatMap(({ request, now }) => (byId.has(request.id) ? [revokedAudit(request, now)] : []));
  if (events.length > 0) tx.appendAudits(events);
  return items.map(({ request }) => byId.get(request.id));
}

async function recordRevokeFailure(
  deps: CoreDeps,
  request: AccessRequest,
  error: string,
  now: Date,
  runAnnounce: AnnounceRunner,
): Promise<AccessRequest | undefined> {
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
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: escalate ? 'grant.revoke_failed' : 'grant.revoke_retry_scheduled',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, attempt: request.attempts, error, nextAttemptAt: nextAttemptAt.toISOString() },
      });
    }
    return updated;
  });
  if (row && escalate) await runAnnounce(() => announce(deps, row, 'revoke_failed'));
  else if (row && request.attempts === 1) await runAnnounce(() => announce(deps, row, 'revoke_retrying'));
  return row;
}
