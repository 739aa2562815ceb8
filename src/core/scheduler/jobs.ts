import { claimActivation, runActivation } from '../lifecycle/activate.js';
import type { CoreDeps } from '../lifecycle/deps.js';
import { announce, loadView, sendDirect, sendExpiryNotice } from '../lifecycle/notify.js';
import { nextNoticeAt, suggestedExtensionMs } from '../lifecycle/plan.js';
import { beginRevokes, claimRevokeRetry, performRevoke, recordRevokedIn } from '../lifecycle/revoke.js';
import { resolveResource } from '../policy/access.js';
import type { AccessRequest } from '../types.js';

/** Runs `work` over items with bounded concurrency. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Claims up to `limit` active grants whose window has ended (SKIP LOCKED) and moves them to `revoking`. */
export async function claimExpired(deps: CoreDeps, now: Date, limit = deps.settings.batchSize): Promise<AccessRequest[]> {
  return deps.store.transaction(async (tx) => beginRevokes(deps, tx, await tx.claimDue('expired', now, limit), 'expired', 'keycard', now));
}

export interface ExpiryRound {
  /** Grants claimed for a revoke (now `revoking` under this replica's lease). */
  claimed: AccessRequest[];
  /** The confirmed revokes as recorded, in input order (undefined where the grant had already moved on). */
  recorded: Array<AccessRequest | undefined>;
}

/**
 * One round of the expiry pump, in one transaction: claims up to `limit` due grants (SKIP LOCKED) and records
 * the revokes the target confirmed since the last round, so the audit chain's lock, which every writer on every
 * replica queues for, is taken once for both. Each transition is still its conditional update plus its event.
 */
export async function expiryRound(
  deps: CoreDeps,
  now: Date,
  limit: number,
  confirmed: ReadonlyArray<{ request: AccessRequest; now: Date }>,
): Promise<ExpiryRound> {
  return deps.store.transaction(async (tx) => {
    const due = limit > 0 ? await tx.claimDue('expired', now, limit) : [];
    const claimed = due.length > 0 ? await beginRevokes(deps, tx, due, 'expired', 'keycard', now) : [];
    const recorded = confirmed.length > 0 ? await recordRevokedIn(tx, confirmed) : [];
    return { claimed, recorded };
  });
}

/** Expires every active grant whose window has ended: claims them (SKIP LOCKED), then revokes at the provider. */
export async function sweepExpired(deps: CoreDeps, now: Date): Promise<number> {
  const claimed = await claimExpired(deps, now);
  await forEachLimited(claimed, 10, (request) => performRevoke(deps, request));
  return claimed.length;
}

/** Retries revocations whose backoff has elapsed, and picks up revokes abandoned by a crashed replica. */
export async function retryRevocations(deps: CoreDeps, now: Date): Promise<number> {
  const claimed = await deps.store.transaction(async (tx) => {
    const due = await tx.claimDue('revoke_retry', now, deps.settings.batchSize);
    // One after another: a transaction is one connection, which runs one statement at a time (node-postgres
    // queues concurrent ones, deprecated, and will refuse them in its next major).
    const rows: AccessRequest[] = [];
    for (const request of due) rows.push(await claimRevokeRetry(deps, tx, request, now));
    return rows;
  });
  await forEachLimited(claimed, 10, (request) => performRevoke(deps, request));
  return claimed.length;
}

/** Grants approved requests whose grant was interrupted (crash) or is waiting for a retry. */
export async function retryActivations(deps: CoreDeps, now: Date): Promise<number> {
  const claimed = await deps.store.transaction(async (tx) => {
    const due = await tx.claimDue('activation_retry', now, deps.settings.batchSize);
    const rows: AccessRequest[] = [];
    for (const request of due) {
      const row = await claimActivation(deps, tx, request, now);
      if (row) rows.push(row);
    }
    return rows;
  });
  await forEachLimited(claimed, 5, (request) => runActivation(deps, request));
  return claimed.length;
}

/** Pending requests past their tier's approval TTL time out. */
export async function timeoutPending(deps: CoreDeps, now: Date): Promise<number> {
  const timedOut = await deps.store.transaction(async (tx) => {
    const due = await tx.claimDue('approval_timeout', now, deps.settings.batchSize);
    const rows: AccessRequest[] = [];
    for (const request of due) {
      const row = await tx.transition(request.id, ['pending'], { status: 'timed_out', decidedAt: now, remindAt: null });
      if (!row) continue;
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'request.timed_out',
        requestId: request.id,
        details: { ref: `KC-${request.number}` },
      });
      rows.push(row);
    }
    return rows;
  });
  for (const request of timedOut) await announce(deps, request, 'timed_out');
  return timedOut.length;
}

/** Nudges the approvers of requests nearing their approval TTL (once per request). */
export async function remindApprovers(deps: CoreDeps, now: Date): Promise<number> {
  const policy = deps.policy();
  const reminded = await deps.store.transaction(async (tx) => {
    const due = await tx.claimDue('approval_reminder', now, deps.settings.batchSize);
    const rows: Array<{ request: AccessRequest; decided: string[] }> = [];
    for (const request of due) {
      // Escalation: the tier's fallback group joins the approvers when the request is still waiting.
      const fallback = policy.tiers[request.tier].escalateTo;
      const escalate = fallback !== undefined && !request.approverGroups.includes(fallback);
      const row = await tx.update(request.id, {
        remindedAt: now,
        remindAt: null,
        ...(escalate ? { approverGroups: [...request.approverGroups, fallback] } : {}),
      });
      if (escalate) {
        tx.appendAudit({
          at: now,
          actor: 'keycard',
          action: 'request.escalated',
          requestId: request.id,
          details: { ref: `KC-${request.number}`, group: fallback },
        });
      }
      const approvals = await tx.listApprovals(request.id);
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'request.reminded',
        requestId: request.id,
        details: { ref: `KC-${request.number}` },
      });
      rows.push({ request: row, decided: approvals.map((a) => a.approver) });
    }
    return rows;
  });
  for (const { request, decided } of reminded) {
    const view = await loadView(deps, request);
    const people = new Set<string>();
    for (const group of request.approverGroups) for (const member of policy.groups[group] ?? []) people.add(member);
    await announce(deps, request, 'reminded');
    for (const person of people) {
      if (person === request.requester || decided.includes(person)) continue;
      await sendDirect(deps, person, { kind: 'approval_reminder', request: view });
    }
  }
  return reminded.length;
}

/** Sends the expiry notice that is due (with Extend / I'm done) and schedules the next one. */
export async function sendNotices(deps: CoreDeps, now: Date): Promise<number> {
  const policy = deps.policy();
  const noticed = await deps.store.transaction(async (tx) => {
    const due = await tx.claimDue('notice', now, deps.settings.batchSize);
    const rows: AccessRequest[] = [];
    for (const request of due) {
      if (!request.expiresAt) continue;
      const offsets = resolveResource(policy, request.resource)?.noticeOffsets ?? [];
      const expiresAt = request.expiresAt.getTime();
      const dueOffsets = offsets.filter((o) => expiresAt - o <= now.getTime() && !request.noticesSent.includes(o));
      const sent = [...request.noticesSent, ...dueOffsets];
      const row = await tx.update(request.id, { noticesSent: sent, nextNoticeAt: nextNoticeAt(request.expiresAt, offsets, sent, now) });
      if (dueOffsets.length === 0 || expiresAt <= now.getTime()) continue;
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'grant.notice_sent',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, remainingMs: expiresAt - now.getTime() },
      });
      rows.push(row);
    }
    return rows;
  });
  for (const request of noticed) {
    const view = await loadView(deps, request);
    const remainingMs = (request.expiresAt?.getTime() ?? now.getTime()) - now.getTime();
    const extendBy = suggestedExtensionMs(policy, request);
    await sendExpiryNotice(deps, request, view, { remainingMs, extendBy });
  }
  return noticed.length;
}

export interface TickReport {
  expired: number;
  revokeRetries: number;
  activations: number;
  timedOut: number;
  reminded: number;
  notices: number;
}

/**
 * One pass of every scheduled job at `now`; each job claims its own rows so replicas never collide.
 * `expire` replaces the expiry sweep (the server's scheduler hands expiries to its pump instead).
 */
export async function tick(
  deps: CoreDeps,
  now: Date,
  expire: (deps: CoreDeps, now: Date) => Promise<number> = sweepExpired,
): Promise<TickReport> {
  return {
    expired: await expire(deps, now),
    revokeRetries: await retryRevocations(deps, now),
    activations: await retryActivations(deps, now),
    timedOut: await timeoutPending(deps, now),
    reminded: await remindApprovers(deps, now),
    notices: await sendNotices(deps, now),
  };
}
