import type { CoreDeps } from '../lifecycle/deps.js';
import { announce, loadView, sendDirect } from '../lifecycle/notify.js';
import { isPilot, pilotDetail } from '../lifecycle/pilot.js';
import { describeError, providerInput } from '../lifecycle/provider-input.js';
import { beginRevokeNow, performRevoke } from '../lifecycle/revoke.js';
import type { AccessRequest } from '../types.js';

export interface Leaver {
  email: string;
  /** Shown on the card, in DMs and in the audit log, e.g. "deactivated in the directory (scim)". */
  reason: string;
  /** The audit actor: `directory:scim`, `directory:okta`, … */
  actor: string;
}

export interface OffboardReport {
  cancelled: number[];
  revoked: number[];
}

/** What a leaver can still have open: requests and extensions awaiting approval, approvals not yet granted, grants. */
export const LEAVER_STATUSES = ['pending', 'approved', 'active'] as const;

// Requests and extensions first, grants last: a grant that ends first would cancel its pending extensions
// with a generic note instead of the leaver's reason.
const ORDER: Record<string, number> = { pending: 0, approved: 1, active: 2 };

/**
 * A leaver loses everything at once: pending requests and extension requests are cancelled, approved requests
 * not yet granted (including approved extensions) are cancelled before the grant is made, and active grants
 * are revoked at the provider, each with the reason on the card, in a DM to the request's approvers and in the
 * audit log. Every step is a conditional transition, so replicas or a repeated push do nothing twice.
 */
export async function offboard(deps: CoreDeps, leaver: Leaver): Promise<OffboardReport> {
  const email = leaver.email.toLowerCase();
  const open = await deps.store.listRequests({ requester: email, statuses: [...LEAVER_STATUSES] });
  open.sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) || a.number - b.number);
  const report: OffboardReport = { cancelled: [], revoked: [] };
  const note = `${email} ${leaver.reason}`;
  for (const request of open) {
    const now = deps.clock.now();
    if (request.status === 'approved') {
      const row = await deps.store.transaction(async (tx) => {
        // An activation in flight finds the request moved on when it records the grant, and removes what it made.
        const moved = await tx.transition(request.id, ['approved'], {
          status: 'cancelled',
          decisionNote: note,
          endedBy: leaver.actor,
          endedAt: now,
          nextAttemptAt: null,
        });
        if (moved)
          tx.appendAudit({
            at: now,
            actor: leaver.actor,
            action: 'request.cancelled',
            requestId: request.id,
            details: { ref: `KC-${request.number}`, reason: note, leaver: true, wasApproved: true, ...pilotDetail(request) },
          });
        return moved;
      });
      if (!row) continue;
      report.cancelled.push(row.number);
      await announce(deps, row, 'cancelled', { actor: leaver.actor });
      await tellApprovers(
        deps,
        row,
        `KC-${row.number} (${row.resource}, ${row.level}) was approved but not yet granted; it was cancelled: ${note}.`,
      );
      if (row.attempts > 0) await cleanUpGrantAttempt(deps, row);
    } else if (request.status === 'pending') {
      const row = await deps.store.transaction(async (tx) => {
        const moved = await tx.transition(request.id, ['pending'], {
          status: 'cancelled',
          decidedAt: now,
          decisionNote: note,
          endedBy: leaver.actor,
          remindAt: null,
          approvalExpiresAt: null,
        });
        if (moved)
          tx.appendAudit({
            at: now,
            actor: leaver.actor,
            action: 'request.cancelled',
            requestId: request.id,
            details: { ref: `KC-${request.number}`, reason: note, leaver: true, ...pilotDetail(request) },
          });
        return moved;
      });
      if (!row) continue;
      report.cancelled.push(row.number);
      await announce(deps, row, 'cancelled', { actor: leaver.actor });
      await tellApprovers(deps, row, `KC-${row.number} (${row.resource}, ${row.level}) was cancelled: ${note}.`, true);
    } else {
      const claimed = await beginRevokeNow(deps, request, 'revoked', leaver.actor, now, note);
      if (!claimed) continue;
      report.revoked.push(claimed.number);
      await tellApprovers(deps, claimed, `KC-${claimed.number} (${claimed.resource}, ${claimed.level}) is being revoked: ${note}.`);
      await performRevoke(deps, claimed);
    }
  }
  if (report.cancelled.length + report.revoked.length > 0)
    deps.log.info({ person: email, cancelled: report.cancelled, revoked: report.revoked, reason: leaver.reason }, 'leaver offboarded');
  return report;
}

/**
 * A grant attempt that failed and was waiting for its retry may have left something at the target; revoke is
 * idempotent, so remove it (best effort, logged). Extensions and merges change an existing grant, which its
 * own revoke ends, so only a request of its own is cleaned up.
 */
async function cleanUpGrantAttempt(deps: CoreDeps, request: AccessRequest): Promise<void> {
  if (request.kind !== 'access' || request.parentId || isPilot(request)) return;
  const provider = deps.providers.get(request.provider);
  const common = providerInput(deps, request);
  if (!provider || !common.ok) return;
  await provider.revoke({ ...common.value, ref: request.grantRef, now: deps.clock.now() }).catch((error: unknown) => {
    deps.log.error({ requestId: request.id, err: describeError(error) }, "could not clean up a leaver's unfinished grant attempt");
  });
}

/** The people who approved the request, and for one still undecided the members of its approver groups. */
async function tellApprovers(deps: CoreDeps, request: AccessRequest, text: string, undecided = false): Promise<void> {
  const approvals = await deps.store.listApprovals(request.id);
  const people = new Set(approvals.map((a) => a.approver));
  if (undecided) {
    const policy = deps.policy();
    for (const group of request.approverGroups) for (const member of policy.groups[group] ?? []) people.add(member);
  }
  people.delete(request.requester);
  if (people.size === 0) return;
  const view = await loadView(deps, request);
  for (const person of people) await sendDirect(deps, person, { kind: 'info', request: view, text });
}

/**
 * The sweep behind every directory refresh and SCIM push: anyone with an open request or grant whom the
 * directory reports as gone is offboarded. Cheap (one indexed query on open statuses) and idempotent.
 */
export async function enforceLeavers(
  deps: CoreDeps,
  isLeaver: (email: string) => Omit<Leaver, 'email'> | undefined,
): Promise<OffboardReport> {
  const open = await deps.store.listRequests({ statuses: [...LEAVER_STATUSES] });
  const total: OffboardReport = { cancelled: [], revoked: [] };
  for (const requester of new Set(open.map((r) => r.requester))) {
    const leaving = isLeaver(requester);
    if (!leaving) continue;
    const report = await offboard(deps, { email: requester, ...leaving });
    total.cancelled.push(...report.cancelled);
    total.revoked.push(...report.revoked);
  }
  return total;
}
