import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { announce } from './notify.js';
import { pilotDetail } from './pilot.js';

/**
 * A grant that ends takes its pending extension requests with it: each is cancelled (one conditional update
 * plus its audit event) and its card updated, so no approver is left looking at a request for access that
 * is gone. Idempotent: extensions already decided or cancelled are left alone.
 */
export async function cancelPendingExtensions(deps: CoreDeps, grant: AccessRequest, now: Date): Promise<number> {
  const pending = await deps.store.listRequests({ parentId: grant.id, statuses: ['pending'] });
  if (pending.length === 0) return 0;
  const note = `KC-${grant.number} ended before this extension was decided`;
  const cancelled = await deps.store.transaction(async (tx) => {
    const rows: AccessRequest[] = [];
    for (const extension of pending) {
      const row = await tx.transition(extension.id, ['pending'], {
        status: 'cancelled',
        decidedAt: now,
        decisionNote: note,
        remindAt: null,
        approvalExpiresAt: null,
      });
      if (!row) continue;
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'extension.cancelled',
        requestId: extension.id,
        details: { ref: `KC-${extension.number}`, parent: `KC-${grant.number}`, reason: 'grant_ended', ...pilotDetail(extension) },
      });
      rows.push(row);
    }
    return rows;
  });
  for (const row of cancelled) await announce(deps, row, 'cancelled', { actor: 'Keycard' });
  return cancelled.length;
}
